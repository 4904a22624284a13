using System.Text.Json;
using EMamba.Core;

namespace EMamba.Hardware.Sweep;

/// <summary>The accelerator configs of a sweep (docs/cost.md, "Sweep"): a list of values per config key, every
/// combination a point. JSON with the config's snake_case keys, each a list of integers (or one integer), and
/// norm_reciprocal a list of "rom" / "divider" and blocks of "unrolled" / "shared" (held as the enums' values);
/// keys left out take the base config's value. Combinations the config refuses (too many MACs) are left out
/// and counted, so a grid can be written loosely.</summary>
public sealed record SweepGrid(IReadOnlyList<(string Key, int[] Values)> Axes)
{
    public static readonly string[] Keys = ["linear_lanes", "linear_rows", "linear_interval", "vector_lanes", "ssm_lanes", "state_lanes", "stream_lanes", "exp_units", "norm_reciprocal", "blocks"];

    /// <summary>The keys whose values are names: name i is the enum's value i.</summary>
    private static readonly Dictionary<string, string[]> Named = new()
    {
        ["norm_reciprocal"] = ["rom", "divider"],
        ["blocks"] = ["unrolled", "shared"],
    };

    /// <summary>At most this many points: each may run a synthesis, and the table and plots stay readable.</summary>
    public const int MaxPoints = 4096;

    /// <summary>The built-in grid: the MAC array from 4 to 160 multipliers per linear unit, narrow and wide vector
    /// units, and the scan from 2 to 32 PEs (72 points).</summary>
    public static SweepGrid Default { get; } = new([
        ("linear_lanes", [2, 4, 10]), ("linear_rows", [2, 8, 16]), ("vector_lanes", [2, 10]),
        ("ssm_lanes", [2, 8]), ("state_lanes", [1, 4]),
    ]);

    public static SweepGrid Load(string path) => Parse(UserFile.ReadAllText(path), path);

    public static SweepGrid Parse(string json, string source)
    {
        var problems = new List<string>();
        var axes = new List<(string, int[])>();
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new ConfigException(source, ["the file must hold one JSON object of config key -> list of values"]);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (!Keys.Contains(p.Name)) { problems.Add($"'{p.Name}': not a sweepable key (one of {string.Join(", ", Keys)})"); continue; }
                var values = p.Value.ValueKind == JsonValueKind.Array ? p.Value.EnumerateArray().ToList() : [p.Value];
                if (values.Count is 0 or > 64) { problems.Add($"'{p.Name}': give 1..64 values"); continue; }
                var ints = new List<int>();
                foreach (var v in values)
                    if (Named.TryGetValue(p.Name, out var names))
                    {
                        int at = v.ValueKind == JsonValueKind.String ? Array.IndexOf(names, v.GetString()) : -1;
                        if (at >= 0) ints.Add(at);
                        else problems.Add($"'{p.Name}': {v.GetRawText()} is not {string.Join(" or ", names.Select(x => $"\"{x}\""))}");
                    }
                    else if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)) ints.Add(i);
                    else problems.Add($"'{p.Name}': {v.GetRawText()} is not an integer");
                if (ints.Distinct().Count() != ints.Count) problems.Add($"'{p.Name}': repeated values");
                axes.Add((p.Name, ints.ToArray()));
            }
        }
        catch (JsonException e) { throw new ConfigException(source, [e.Message]); }
        if (axes.Count == 0 && problems.Count == 0) problems.Add("no key to sweep");
        long n = axes.Aggregate(1L, (a, x) => a * Math.Max(1, x.Item2.Length));
        if (n > MaxPoints) problems.Add($"{n:N0} combinations: at most {MaxPoints:N0}");
        if (problems.Count > 0) throw new ConfigException(source, problems);
        return new SweepGrid(axes);
    }

    /// <summary>Every combination on top of <paramref name="baseConfig"/>, in grid order, and how many the config refused.</summary>
    public (List<AcceleratorConfig> Configs, int Refused) Expand(AcceleratorConfig baseConfig)
    {
        var list = new List<AcceleratorConfig> { baseConfig };
        foreach (var (key, values) in Axes)
            list = list.SelectMany(c => values.Select(v => With(c, key, v))).ToList();
        var ok = list.Where(c => c.Problems().Count == 0).Select(c => c.Canonical()).Distinct().ToList();
        return (ok, list.Count - list.Count(c => c.Problems().Count == 0));
    }

    private static AcceleratorConfig With(AcceleratorConfig c, string key, int v) => key switch
    {
        "linear_lanes" => c with { LinearLanes = v },
        "linear_rows" => c with { LinearRows = v },
        "linear_interval" => c with { LinearInterval = v },
        "vector_lanes" => c with { VectorLanes = v },
        "ssm_lanes" => c with { SsmLanes = v },
        "state_lanes" => c with { StateLanes = v },
        "stream_lanes" => c with { StreamLanes = v },
        "exp_units" => c with { ExpUnits = v },
        "norm_reciprocal" => c with { NormReciprocal = (NormReciprocal)v },
        "blocks" => c with { Blocks = (BlockMode)v },
        _ => throw new ArgumentException(key),
    };
}
