using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;

namespace EMamba.Core;

/// <summary>A config file: { "model": {...}, "train": {...} }. Unknown keys are errors, so a typo
/// never silently falls back to a default.</summary>
public sealed record RunConfig
{
    public ModelConfig Model { get; init; } = new();
    public TrainConfig Train { get; init; } = new();

    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        NumberHandling = JsonNumberHandling.AllowReadingFromString,
        AllowDuplicateProperties = false,
    };

    public static RunConfig Load(string path)
    {
        // A FIFO or /dev/zero must not hang or exhaust memory: regular files of at most 16 MiB only.
        return Parse(UserFile.ReadAllText(path, UserFile.MaxTextBytes, "config file not found", ExitCodes.BadConfig), path);
    }

    public static RunConfig Parse(string json, string source)
    {
        RunConfig? cfg;
        try { cfg = JsonSerializer.Deserialize<RunConfig>(json, Json); }
        catch (JsonException e)
        {
            string where = e.LineNumber is long l ? $" (line {l + 1}, position {e.BytePositionInLine + 1})" : "";
            string key = string.IsNullOrEmpty(e.Path) || e.Path == "$" ? "" : $"{Shown.Value(e.Path.TrimStart('$', '.'))}: ";
            // The parser's message quotes the offending key; clip it like any other user value.
            string msg = Regex.Replace(e.Message.Split(" Path:")[0], "'([^']*)'", m => $"'{Shown.Value(m.Groups[1].Value)}'");
            throw new ConfigException(source, [$"{key}{msg}{where}"]);
        }
        if (cfg is null) throw new ConfigException(source, ["the file holds null"]);
        cfg.Validate(source, SwitchTexts(json, "model"));
        return cfg;
    }

    public void Validate(string source) => Validate(source, null);

    private void Validate(string source, IReadOnlyDictionary<string, string>? switchTexts)
    {
        // "model": null or "train": null deserialise to null despite the non-nullable types.
        if (Model is null || Train is null) throw new ConfigException(source, [$"'{(Model is null ? "model" : "train")}' must be an object, not null"]);
        var p = Model.Problems(switchTexts).Select(s => "model." + s).Concat(Train.Problems().Select(s => "train." + s)).ToList();
        if (p.Count > 0) throw new ConfigException(source, p);
    }

    /// <summary>The text of every switch key (<see cref="ModelConfig.SwitchKeys"/>) of the model object
    /// at <paramref name="path"/> (the root when empty). A switch value that is not one of its names
    /// reads as an undefined enum value; validation then quotes what the file held, among every other problem.</summary>
    internal static Dictionary<string, string>? SwitchTexts(string json, params string[] path)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            var obj = doc.RootElement;
            foreach (var key in path)
                if (obj.ValueKind != JsonValueKind.Object || !obj.TryGetProperty(key, out obj)) return null;
            if (obj.ValueKind != JsonValueKind.Object) return null;
            var texts = new Dictionary<string, string>();
            foreach (var prop in obj.EnumerateObject())
                if (ModelConfig.SwitchKeys.Contains(prop.Name))
                    texts[prop.Name] = prop.Value.ValueKind == JsonValueKind.String ? prop.Value.GetString()! : prop.Value.GetRawText();
            return texts;
        }
        catch (JsonException) { return null; }   // the serializer has accepted the text; this cannot fail
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ModelConfig ModelFromJson(string json, string source)
    {
        try
        {
            var m = JsonSerializer.Deserialize<ModelConfig>(json, Json) ?? throw new ConfigException(source, ["model config is null"]);
            var p = m.Problems(SwitchTexts(json));
            if (p.Count > 0) throw new ConfigException(source, p);
            return m;
        }
        catch (JsonException e) { throw new ConfigException(source, [e.Message]); }
    }
}
