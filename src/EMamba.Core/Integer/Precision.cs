using System.Text.Json;
using System.Text.Json.Nodes;

namespace EMamba.Core.Integer;

/// <summary>How a scale is chosen from calibration data (doc §2): the largest power of two that keeps
/// the maximum (<see cref="Max"/>), the 99.99th percentile of |v| (<see cref="Percentile"/>), or the
/// one of four candidates (max's and 1-3 more fraction bits) with the least squared error (<see cref="Mse"/>).</summary>
public enum CalibMethod { Max, Percentile, Mse }

/// <summary>One boundary's setting after resolution: its width and how its frac is calibrated.</summary>
public readonly record struct BoundarySetting(int Bits, CalibMethod Method);

/// <summary>The precision configuration a user reads and edits (doc §2, "Precision"): widths per
/// boundary and per weight tensor, resolved as hls4ml does: the exact name (e.g. "blocks.1.h") wins
/// over the op kind (e.g. "h"), which wins over the model default. JSON:
/// <code>{ "default": {"act_bits": 8, "weight_bits": 8, "method": "max", "per_channel": false},
///   "kinds": {"h": {"bits": 20}}, "layers": {"blocks.0.in_proj": {"weight_bits": 6}, "blocks.1.h": {"bits": 24}} }</code></summary>
public sealed record Precision
{
    public int ActBits { get; init; } = 8;
    public int WeightBits { get; init; } = 8;
    public CalibMethod Method { get; init; } = CalibMethod.Percentile;
    /// <summary>One weight frac per output row. With power-of-two scales it costs no hardware (each row
    /// already has its own shift), so it is the default.</summary>
    public bool PerChannel { get; init; } = true;
    /// <summary>Overrides by op kind ("h", "delta", ...): bits and/or method.</summary>
    public IReadOnlyDictionary<string, Override> Kinds { get; init; } = new Dictionary<string, Override>();
    /// <summary>Overrides by full name ("blocks.1.h", "blocks.0.in_proj").</summary>
    public IReadOnlyDictionary<string, Override> Layers { get; init; } = new Dictionary<string, Override>();

    public sealed record Override(int? Bits = null, CalibMethod? Method = null, int? WeightBits = null, bool? PerChannel = null);

    /// <summary>Widths that differ from the activation default unless overridden (docs/integer.md §2):
    /// the SSM's own domains (scale-aware: a = -A, the exp input, A_bar, the state, its output y) and
    /// the residual stream (x0, r, and the out_proj result o that is added to it), which feed adders and
    /// the range norm rather than an 8-bit multiplier array, and the gated SSM output g = y SiLU(z),
    /// which inherits y's heavy tails (at 8 bits it doubled the relative error of every block on
    /// CIFAR-10: docs/results/integer.md); out_proj multiplies it as 16 x 8 bits. Every other
    /// multiplier input (n, u, dt, B, C, the norms' outputs) stays 8-bit.</summary>
    public static readonly IReadOnlyDictionary<string, int> KindDefaults = new Dictionary<string, int>
    {
        ["a"] = 16, ["e"] = 16, ["abar"] = 16, ["h"] = 16, ["y"] = 16, ["x0"] = 16, ["r"] = 16, ["o"] = 16, ["g"] = 16, ["out"] = 32,
    };

    /// <summary>Allowed widths per kind (doc §2): activations 2..16, the state 8..24, A_bar 8..16, outputs 32.</summary>
    public static (int Lo, int Hi) BitRange(string kind) => kind switch
    {
        "h" => (8, 24),
        "abar" => (8, 16),
        "a" or "e" => (8, 20),
        "out" => (32, 32),
        _ => (2, 16),
    };

    public static string KindOf(string name) => name.StartsWith("blocks.", StringComparison.Ordinal) ? name[(name.IndexOf('.', 7) + 1)..] : name;

    public BoundarySetting For(string name)
    {
        string kind = KindOf(name);
        int bits = KindDefaults.TryGetValue(kind, out var kb) ? kb : ActBits;
        var method = Method;
        if (Kinds.TryGetValue(kind, out var k)) { bits = k.Bits ?? bits; method = k.Method ?? method; }
        if (Layers.TryGetValue(name, out var l)) { bits = l.Bits ?? bits; method = l.Method ?? method; }
        return new BoundarySetting(bits, method);
    }

    public (int Bits, bool PerChannel) WeightFor(string layer)
    {
        int bits = WeightBits; bool pc = PerChannel;
        if (Layers.TryGetValue(layer, out var l)) { bits = l.WeightBits ?? bits; pc = l.PerChannel ?? pc; }
        return (bits, pc);
    }

    /// <summary>Every problem of the configuration (widths out of range, unknown kinds), naming the entry.</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (ActBits < 2 || ActBits > 16) p.Add($"act_bits {ActBits} must be in 2..16");
        if (WeightBits < 2 || WeightBits > 8) p.Add($"weight_bits {WeightBits} must be in 2..8");
        foreach (var (where, map) in new[] { ("kinds", Kinds), ("layers", Layers) })
            foreach (var (name, o) in map)
            {
                string kind = KindOf(name);
                if (where == "kinds" && !KnownKinds.Contains(name)) p.Add($"kinds: '{Shown.Value(name)}' is not an op kind (one of {string.Join(", ", KnownKinds)})");
                var (lo, hi) = BitRange(kind);
                if (o.Bits is int b && (b < lo || b > hi)) p.Add($"{where}.{Shown.Value(name)}: bits {b} must be in {lo}..{hi} for '{kind}'");
                if (o.WeightBits is int w && (w < 2 || w > 8)) p.Add($"{where}.{Shown.Value(name)}: weight_bits {w} must be in 2..8");
            }
        return p;
    }

    /// <summary>The boundary kinds of doc §3.</summary>
    public static readonly string[] KnownKinds = ["input", "x0", "n", "u0", "z", "uc", "u", "dt", "B", "C", "delta", "a", "e", "abar", "h", "y", "s", "g", "o", "r", "norm_f", "embed_out", "out"];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        WriteIndented = true,
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static Precision Parse(string json, string source)
    {
        Precision? p;
        try { p = JsonSerializer.Deserialize<Precision>(json, Json); }
        catch (JsonException e) { throw new ConfigException(source, [e.Message]); }
        if (p is null) throw new ConfigException(source, ["the file holds no precision object"]);
        if (p.Problems() is { Count: > 0 } probs) throw new ConfigException(source, probs);
        return p;
    }

    public static Precision Load(string path) => Parse(UserFile.ReadAllText(path), path);
}
