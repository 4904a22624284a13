using System.Text.Json;
using System.Text.Json.Nodes;
using EMamba.Core;

namespace EMamba.Search.Space;

/// <summary>A candidate's values as a JSON object and back, typed by their knobs: how a study stores a
/// trial's parameters so that a resumed study hands the samplers the same values it drew.</summary>
public static class ParamJson
{
    public static JsonObject Write(IReadOnlyDictionary<string, object> values)
    {
        var o = new JsonObject();
        foreach (var (name, v) in values)
            o[name] = SpaceWriter.Scalar(Knob.Find(name) ?? throw new ArgumentException($"unknown parameter '{Shown.Value(name)}'"), v);
        return o;
    }

    /// <summary>The values of <paramref name="json"/> (an object of knob name -> value), in knob order.</summary>
    public static OrderedDictionary<string, object> Read(string json, string source)
    {
        using var doc = JsonDocument.Parse(json);
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ConfigException(source, ["parameters must be a JSON object"]);
        var problems = new List<string>();
        var found = new List<(Knob, object)>();
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (Knob.Find(p.Name) is not { } k) { problems.Add($"{Shown.Value(p.Name)}: not a parameter (known: {string.Join(", ", Knob.All.Select(x => x.Name))})"); continue; }
            if (k.Read(p.Value, out var why) is { } v) found.Add((k, v));
            else problems.Add($"{p.Name}: {why}");
        }
        if (problems.Count > 0) throw new ConfigException(source, problems);
        var result = new OrderedDictionary<string, object>();
        foreach (var (k, v) in found.OrderBy(f => Knob.All.ToList().IndexOf(f.Item1))) result[k.Name] = v;
        return result;
    }
}
