using System.Collections;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EMamba.Search.Storage;

/// <summary>A trial's parameters: names in the order the sampler chose them, each a JSON number, string or boolean
/// (e.g. {"d": 16, "silu_segments": 8, "knots": "fitted"}). Immutable, compared by value, stored as this JSON
/// text so that the order survives a database round trip.</summary>
public sealed class TrialParams : IReadOnlyList<KeyValuePair<string, JsonElement>>, IEquatable<TrialParams>
{
    public static readonly TrialParams Empty = new([]);

    private readonly KeyValuePair<string, JsonElement>[] _items;

    private TrialParams(KeyValuePair<string, JsonElement>[] items) => _items = items;

    /// <summary>Parses a JSON object whose values are numbers, strings or booleans; anything else is a clear error.</summary>
    public static TrialParams Parse(string json)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json); }
        catch (JsonException e) { throw new ArgumentException($"trial parameters are not valid JSON: {e.Message}", nameof(json), e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new ArgumentException($"trial parameters must be a JSON object, not {doc.RootElement.ValueKind}", nameof(json));
            var items = new List<KeyValuePair<string, JsonElement>>();
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                Check(p.Name, p.Value, items);
                // Strings are re-encoded so that equal values have equal stored text, however they were escaped.
                items.Add(new(p.Name, p.Value.ValueKind == JsonValueKind.String ? Element(Quote(p.Value.GetString()!)) : p.Value.Clone()));
            }
            return new([.. items]);
        }
    }

    public TrialParams With(string name, double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"parameter '{name}' is {value}: parameters must be finite", nameof(value));
        return Add(name, Element(value.ToString("R", CultureInfo.InvariantCulture)));
    }

    public TrialParams With(string name, long value) => Add(name, Element(value.ToString(CultureInfo.InvariantCulture)));

    public TrialParams With(string name, string value) => Add(name, Element(Quote(value)));

    public int Count => _items.Length;
    public KeyValuePair<string, JsonElement> this[int index] => _items[index];
    public IEnumerable<string> Names => _items.Select(p => p.Key);

    public JsonElement this[string name] =>
        TryGet(name, out var v) ? v : throw new KeyNotFoundException($"no parameter '{name}' (have: {string.Join(", ", Names)})");

    public bool TryGet(string name, out JsonElement value)
    {
        foreach (var p in _items)
            if (p.Key == name) { value = p.Value; return true; }
        value = default;
        return false;
    }

    public double Number(string name) => this[name] is { ValueKind: JsonValueKind.Number } v
        ? v.GetDouble() : throw new InvalidOperationException($"parameter '{name}' is not a number");

    public string Text(string name) => this[name] is { ValueKind: JsonValueKind.String } v
        ? v.GetString()! : throw new InvalidOperationException($"parameter '{name}' is not a string");

    /// <summary>Compact JSON, names in order: the stored form.</summary>
    public string ToJson()
    {
        var sb = new StringBuilder("{");
        for (int i = 0; i < _items.Length; i++)
        {
            if (i > 0) sb.Append(',');
            sb.Append(Quote(_items[i].Key)).Append(':').Append(_items[i].Value.GetRawText());
        }
        return sb.Append('}').ToString();
    }

    public override string ToString() => ToJson();

    public bool Equals(TrialParams? other) => other is not null && ToJson() == other.ToJson();
    public override bool Equals(object? obj) => Equals(obj as TrialParams);
    public override int GetHashCode() => ToJson().GetHashCode(StringComparison.Ordinal);

    public IEnumerator<KeyValuePair<string, JsonElement>> GetEnumerator() => ((IEnumerable<KeyValuePair<string, JsonElement>>)_items).GetEnumerator();
    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private TrialParams Add(string name, JsonElement value)
    {
        Check(name, value, _items);
        return new([.. _items, new(name, value)]);
    }

    private static void Check(string name, JsonElement value, IEnumerable<KeyValuePair<string, JsonElement>> before)
    {
        if (string.IsNullOrEmpty(name)) throw new ArgumentException("a parameter name must not be empty", nameof(name));
        if (before.Any(p => p.Key == name)) throw new ArgumentException($"parameter '{name}' appears twice", nameof(name));
        // Booleans too: a search space's per_channel is one (ParamJson writes it as true / false).
        if (value.ValueKind is not (JsonValueKind.Number or JsonValueKind.String or JsonValueKind.True or JsonValueKind.False))
            throw new ArgumentException($"parameter '{name}' is a JSON {value.ValueKind}: parameters are numbers, strings or booleans", nameof(value));
    }

    // Relaxed escaping keeps quotes and non-ASCII readable in sqlite3 / psql; the text is never put in HTML.
    private static readonly JsonSerializerOptions Readable = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Quote(string s) => JsonSerializer.Serialize(s, Readable);

    private static JsonElement Element(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
