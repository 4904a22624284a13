using System.Text.Json;
using System.Text.Json.Nodes;

namespace EMamba.Core.Approx;

/// <summary>approx.json: the piecewise-linear tables a model uses in place of SiLU and/or exp.
/// <code>
/// { "format": "emamba-approx/1",
///   "tables": { "silu": { "knots": [...], "values": [...] }, "exp": { ... } },
///   "info": { free-form: where the tables came from, their errors } }
/// </code>
/// Loading validates every table as float32 numbers (<see cref="PwlTable.Check"/>: finite and within
/// ±1e6, knots strictly increasing, matching lengths) and names the file, the function and the index.</summary>
public sealed record ApproxFile(IReadOnlyDictionary<PwlFunction, PwlTable> Tables, JsonObject? Info = null)
{
    public const string FormatTag = "emamba-approx/1";

    public static ApproxFile Load(string path)
    {
        return Parse(UserFile.ReadAllText(path, UserFile.MaxTextBytes, "approximation file not found"), path);
    }

    public static ApproxFile Parse(string json, string source)
    {
        JsonObject root;
        try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip }) as JsonObject
                ?? throw new ConfigException(source, ["the file must hold a JSON object"]); }
        catch (JsonException e) { throw new ConfigException(source, [$"not valid JSON: {e.Message}"]); }
        var problems = new List<string>();
        foreach (var (key, _) in root)
            if (key is not ("format" or "tables" or "info")) problems.Add($"unknown key '{Shown.Value(key)}'");
        string? fmt = (root["format"] as JsonValue)?.TryGetValue<string>(out var f) == true ? f : null;
        if (fmt != FormatTag) problems.Add($"'format' is '{(fmt is null ? "missing" : Shown.Value(fmt))}', expected '{FormatTag}'");
        var tables = new Dictionary<PwlFunction, PwlTable>();
        if (root["tables"] is not JsonObject tj || tj.Count == 0) problems.Add("'tables' must be an object with at least one of silu, exp");
        else
            foreach (var (name, node) in tj)
            {
                if (name is not ("silu" or "exp")) { problems.Add($"tables: '{Shown.Value(name)}' is not one of silu, exp"); continue; }
                var fn = PwlFunctions.Parse(name, source);
                if (node is not JsonObject t || ReadArray(t["knots"]) is not { } k || ReadArray(t["values"]) is not { } v
                    || t.Any(kv => kv.Key is not ("knots" or "values")))
                { problems.Add($"tables.{name}: must be {{ \"knots\": [numbers], \"values\": [numbers] }}"); continue; }
                // Checked raw (before exp's clip into [0, 1]) and in float32 terms, as training uses them.
                var p = PwlTable.Check(fn, k, v);
                if (p.Count > 0) problems.AddRange(p.Select(s => "tables." + s));
                else tables[fn] = new PwlTable(fn, k, v);
            }
        if (problems.Count > 0) throw new ConfigException(source, problems);
        return new ApproxFile(tables, root["info"] as JsonObject);
    }

    private static double[]? ReadArray(JsonNode? n)
    {
        if (n is not JsonArray a) return null;
        var r = new double[a.Count];
        for (int i = 0; i < a.Count; i++)
        {
            if (a[i] is not JsonValue v || !v.TryGetValue<double>(out r[i])) return null;
        }
        return r;
    }

    public string ToJson()
    {
        var tables = new JsonObject();
        foreach (var fn in PwlFunctions.All)
            if (Tables.TryGetValue(fn, out var t))
                tables[fn.Name()] = new JsonObject
                {
                    ["knots"] = new JsonArray(t.Knots.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
                    ["values"] = new JsonArray(t.Values.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
                };
        var root = new JsonObject { ["format"] = FormatTag, ["tables"] = tables };
        if (Info != null) root["info"] = Info.DeepClone();
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, ToJson());
}
