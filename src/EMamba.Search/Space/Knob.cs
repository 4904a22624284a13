using System.Globalization;
using System.Text.Json;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;

namespace EMamba.Search.Space;

/// <summary>How a knob's values are written in JSON and held in a candidate.</summary>
public enum KnobKind
{
    /// <summary>An integer (held as <c>int</c>).</summary>
    Int,
    /// <summary>A real number (held as <c>double</c>).</summary>
    Float,
    /// <summary>true / false.</summary>
    Bool,
    /// <summary>A positive integer or "auto" (ModelConfig.dt_rank: ceil(D/16)).</summary>
    DtRank,
    /// <summary>One of an enum's snake_case names (held as the enum value).</summary>
    Enum,
}

/// <summary>The space's sections, in file order.</summary>
public enum SpaceSection { Architecture, Approximation, Quantization }

/// <summary>One parameter the search may vary: its section, JSON name, kind and the bounds every value must
/// respect (those the Core configs check, so a space cannot ask for a model Core would reject on size alone).</summary>
public sealed record Knob(SpaceSection Section, string Name, KnobKind Kind, double Min, double Max,
    IReadOnlyList<string>? EnumNames = null, Func<string, object?>? ParseEnum = null, Func<object, string?>? NameEnum = null)
{
    public bool Numeric => Kind is KnobKind.Int or KnobKind.Float or KnobKind.DtRank;

    /// <summary>Every knob, in the order candidates list their values.</summary>
    public static readonly IReadOnlyList<Knob> All =
    [
        new(SpaceSection.Architecture, "d_model", KnobKind.Int, 1, 4096),  // D, the residual width
        new(SpaceSection.Architecture, "expand", KnobKind.Int, 1, 8),  // E, d_inner = E*D
        new(SpaceSection.Architecture, "d_state", KnobKind.Int, 1, 256),  // N, the SSM state per channel
        new(SpaceSection.Architecture, "n_layers", KnobKind.Int, 1, 64),  // M, the number of Mamba blocks
        new(SpaceSection.Architecture, "patch", KnobKind.Int, 1, 64),  // P, P x P patches per token
        new(SpaceSection.Architecture, "d_conv", KnobKind.Int, 1, 16),  // the causal conv kernel
        new(SpaceSection.Architecture, "dt_rank", KnobKind.DtRank, 1, 4096),  // rank of dt_proj, or "auto"
        new(SpaceSection.Approximation, "silu_segments", KnobKind.Int, 1, 256),  // PWL SiLU segments
        new(SpaceSection.Approximation, "silu_lo", KnobKind.Float, -PwlTable.Bound, PwlTable.Bound),  // PWL SiLU first knot
        new(SpaceSection.Approximation, "silu_hi", KnobKind.Float, -PwlTable.Bound, PwlTable.Bound),  // PWL SiLU last knot
        new(SpaceSection.Approximation, "exp_segments", KnobKind.Int, 1, 256),  // PWL exp segments
        new(SpaceSection.Approximation, "exp_lo", KnobKind.Float, -PwlTable.Bound, PwlTable.Bound),  // PWL exp first knot
        new(SpaceSection.Approximation, "exp_hi", KnobKind.Float, -PwlTable.Bound, PwlTable.Bound),  // PWL exp last knot
        EnumKnob<KnotPlacement>(SpaceSection.Approximation, "knot_placement"),  // uniform, fitted or fine_tuned knots
        new(SpaceSection.Approximation, "finetune_epochs", KnobKind.Int, 0, 1000),  // epochs of fine-tuning with PWL in the loop (fine_tuned only)
        new(SpaceSection.Quantization, "state_bits", KnobKind.Int, Precision.BitRange("h").Lo, Precision.BitRange("h").Hi),  // width of the stored SSM state h
        new(SpaceSection.Quantization, "per_channel", KnobKind.Bool, 0, 1),  // one weight scale per output row (else per tensor)
        EnumKnob<CalibMethod>(SpaceSection.Quantization, "calib_method"),  // activation calibration: max, percentile or mse (Precision.method)
    ];

    private static Knob EnumKnob<T>(SpaceSection s, string name) where T : struct, Enum =>
        new(s, name, KnobKind.Enum, 0, 0, Switches.Names<T>(), text => Switches.TryParse<T>(text, out var v) ? v : null,
            v => v is T t && Enum.IsDefined(t) ? Switches.Names<T>()[Array.IndexOf(Enum.GetValues<T>(), t)] : null);

    public static Knob? Find(string name) => All.FirstOrDefault(k => k.Name == name);

    public static string SectionName(SpaceSection s) => JsonNamingPolicy.SnakeCaseLower.ConvertName(s.ToString());

    /// <summary>The value a JSON scalar holds for this knob, or null with <paramref name="problem"/> saying why.</summary>
    public object? Read(JsonElement e, out string? problem)
    {
        problem = null;
        switch (Kind)
        {
            case KnobKind.Int when e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int i):
                return InBounds(i, ref problem) ? i : null;
            case KnobKind.Float when e.ValueKind == JsonValueKind.Number && double.IsFinite(e.GetDouble()):
                return InBounds(e.GetDouble(), ref problem) ? e.GetDouble() : null;
            case KnobKind.Bool when e.ValueKind is JsonValueKind.True or JsonValueKind.False:
                return e.GetBoolean();
            case KnobKind.DtRank when e.ValueKind == JsonValueKind.String && e.GetString() == "auto":
                return "auto";
            case KnobKind.DtRank when e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int r):
                return InBounds(r, ref problem) ? r : null;
            case KnobKind.Enum when e.ValueKind == JsonValueKind.String && ParseEnum!(e.GetString()!) is { } v:
                return v;
        }
        problem = $"{Shown.Value(e.GetRawText())} is not {Expected}";
        return null;
    }

    /// <summary>What a value of this knob looks like, for messages.</summary>
    public string Expected => Kind switch
    {
        KnobKind.Int => $"an integer in {Min}..{Max}",
        KnobKind.Float => "a finite number",
        KnobKind.Bool => "true or false",
        KnobKind.DtRank => $"\"auto\" or an integer in {Min}..{Max}",
        _ => "one of " + string.Join(", ", EnumNames!),
    };

    private bool InBounds(double v, ref string? problem)
    {
        if (v >= Min && v <= Max) return true;
        problem = string.Create(CultureInfo.InvariantCulture, $"{v:R} is outside {Min:R}..{Max:R}");
        return false;
    }

    /// <summary>Whether <paramref name="v"/> is a value of this knob as <see cref="Read"/> types them.</summary>
    public bool Holds(object v) => Kind switch
    {
        KnobKind.Int => v is int i && i >= Min && i <= Max,
        KnobKind.Float => v is double d && d >= Min && d <= Max,
        KnobKind.Bool => v is bool,
        KnobKind.DtRank => v is "auto" || v is int i && i >= Min && i <= Max,
        _ => NameEnum!(v) != null,
    };

    /// <summary>A value of this knob as JSON text's scalar (the inverse of <see cref="Read"/>).</summary>
    public object ToJsonValue(object value) => Kind == KnobKind.Enum ? NameEnum!(value) ?? throw new ArgumentException($"{Name}: {value} is not {Expected}") : value;
}
