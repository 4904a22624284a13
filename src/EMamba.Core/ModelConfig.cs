using System.Text.Json;
using System.Text.Json.Serialization;

namespace EMamba.Core;

/// <summary>Architecture of one model. Defaults are the standard Mamba-1 block; the variant switches
/// select the eMamba operators. The baselines reuse the sizes: a CNN has n_layers stages of two 3x3
/// conv-bn-relu layers, d_model channels in the first stage, doubling per stage; a ViT / Transformer
/// has n_layers pre-norm blocks of width d_model with heads and mlp_ratio. Serialized as snake_case JSON.</summary>
public sealed record ModelConfig
{
    /// <summary>fmnist | cifar10 | mars | wikitext2</summary>
    public TaskKind Task { get; init; } = TaskKind.Fmnist;
    /// <summary>mamba | cnn | vit (vision/radar baselines) | transformer (language baseline).</summary>
    public Arch Arch { get; init; } = Arch.Mamba;
    /// <summary>Input geometry (vision/radar): channels, height, width of one sample.</summary>
    public int InChannels { get; init; } = 1;
    public int Height { get; init; } = 28;
    public int Width { get; init; } = 28;
    /// <summary>Patch size P: P x P patches, row-major token order.</summary>
    public int Patch { get; init; } = 4;
    /// <summary>Vocabulary size (language models only; set from the data when 0).</summary>
    public int Vocab { get; init; }
    /// <summary>Width of the (tied) token embedding of a language model; 0 = d_model. A narrower
    /// embedding, projected to and from d_model, shrinks the vocabulary's share of the parameters.</summary>
    public int EmbedDim { get; init; }

    public int DModel { get; init; } = 32;      // D
    public int Expand { get; init; } = 2;       // E
    public int DState { get; init; } = 8;       // N
    public int NLayers { get; init; } = 2;      // M
    public int DConv { get; init; } = 4;
    /// <summary>Attention heads (vit, transformer); must divide d_model.</summary>
    public int Heads { get; init; } = 4;
    /// <summary>Hidden width of the MLP / feed-forward layers as a multiple of d_model (vit, transformer).</summary>
    public int MlpRatio { get; init; } = 2;
    /// <summary>"auto" = ceil(D/16), or a positive integer (written as a number or a string).</summary>
    [JsonConverter(typeof(DtRankConverter))]
    public string DtRank { get; init; } = "auto";

    /// <summary>classify | regress | lm</summary>
    public Head Head { get; init; } = Head.Classify;
    public int NumOutputs { get; init; } = 10;

    /// <summary>rms | layer | range</summary>
    public Norm Norm { get; init; } = Norm.Rms;
    /// <summary>Initial range-norm gain: "one" (gamma = 1), or "matched" (gamma = the expected range of
    /// d_model standard normals, so range norm starts at layer norm's output scale on Gaussian inputs;
    /// with gamma = 1 its outputs are about 5x smaller for D = 64).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public RangeInit? RangeInit { get; init; }
    /// <summary>softplus | relu (applied after dt_proj)</summary>
    public DeltaAct DeltaAct { get; init; } = DeltaAct.Softplus;
    /// <summary>exact | pwl</summary>
    public Impl Silu { get; init; } = Impl.Exact;
    /// <summary>exact | pwl</summary>
    public Impl Exp { get; init; } = Impl.Exact;
    /// <summary>SiLU after the causal conv (standard Mamba: true).</summary>
    public bool ConvSilu { get; init; } = true;

    [JsonIgnore] public int DInner => Expand * DModel;
    [JsonIgnore] public int EmbedWidth => EmbedDim == 0 ? DModel : EmbedDim;
    /// <summary>Parameters of a language model's (tied) token embedding table; 0 for other heads.</summary>
    [JsonIgnore] public long EmbeddingParameters => Head == Head.Lm ? (long)Vocab * EmbedWidth : 0;
    [JsonIgnore] public int DtRankValue => DtRank == "auto" ? (DModel + 15) / 16 : int.Parse(DtRank);
    [JsonIgnore] public int Tokens => Head == Head.Lm ? 0 : (Height / Patch) * (Width / Patch);
    [JsonIgnore] public int PatchDim => InChannels * Patch * Patch;

    /// <summary>The JSON keys of the switches (the enum-valued fields).</summary>
    internal static readonly string[] SwitchKeys = ["task", "arch", "head", "norm", "range_init", "delta_act", "silu", "exp"];

    public IReadOnlyList<string> Problems() => Problems(null);

    /// <param name="given">the text a parsed file held for its switch keys (<see cref="SwitchKeys"/>), so a
    /// value that is not one of the names (read as an undefined enum value) is quoted as written</param>
    internal IReadOnlyList<string> Problems(IReadOnlyDictionary<string, string>? given)
    {
        var p = new List<string>();
        if (Undefined(given, "task", Task) is { } badTask) p.Add(badTask);
        if (DModel < 1 || DModel > 4096) p.Add($"d_model {DModel} must be in 1..4096");
        if (Expand < 1 || Expand > 8) p.Add($"expand {Expand} must be in 1..8");
        if (DState < 1 || DState > 256) p.Add($"d_state {DState} must be in 1..256");
        if (NLayers < 1 || NLayers > 64) p.Add($"n_layers {NLayers} must be in 1..64");
        if (DConv < 1 || DConv > 16) p.Add($"d_conv {DConv} must be in 1..16");
        if (DtRank != "auto" && (!int.TryParse(DtRank, System.Globalization.NumberStyles.None, null, out int r) || r < 1 || r > 4096))
            p.Add($"dt_rank '{Shown.Value(DtRank)}' must be \"auto\" or a positive integer");
        if (Undefined(given, "head", Head) is { } badHead) p.Add(badHead);
        if (Undefined(given, "arch", Arch) is { } badArch) p.Add(badArch);
        else if (Arch == Arch.Transformer && Head != Head.Lm) p.Add($"arch 'transformer' is the language baseline and needs head 'lm' (use 'vit' for images)");
        else if (Arch is (Arch.Cnn or Arch.Vit) && Head == Head.Lm) p.Add($"arch '{Arch.Name()}' has no language head; use 'mamba' or 'transformer' for head 'lm'");
        if (Heads < 1 || Heads > 64) p.Add($"heads {Heads} must be in 1..64");
        else if (Arch is (Arch.Vit or Arch.Transformer) && DModel % Heads != 0) p.Add($"heads {Heads} must divide d_model {DModel}");
        if (MlpRatio < 1 || MlpRatio > 16) p.Add($"mlp_ratio {MlpRatio} must be in 1..16");
        foreach (var bad in new[] { Undefined(given, "norm", Norm), RangeInit is { } ri ? Undefined(given, "range_init", ri) : null,
                                    Undefined(given, "delta_act", DeltaAct), Undefined(given, "silu", Silu), Undefined(given, "exp", Exp) })
            if (bad != null) p.Add(bad);
        if (Head == Head.Lm)
        {
            if (Vocab < 0) p.Add($"vocab {Vocab} must be >= 0 (0 = from the data)");
            if (EmbedDim < 0 || EmbedDim > DModel) p.Add($"embed_dim {EmbedDim} must be in 0..d_model (0 = d_model)");
            else if (EmbedDim != 0 && Arch != Arch.Mamba) p.Add($"embed_dim applies to the Mamba language model only (arch '{QuotedSwitch(given, "arch", Arch)}' embeds at d_model)");
        }
        else
        {
            if (InChannels < 1 || Height < 1 || Width < 1) p.Add($"input geometry {InChannels}x{Height}x{Width} must be positive");
            if (Patch < 1) p.Add($"patch {Patch} must be >= 1");
            else if (Height % Patch != 0 || Width % Patch != 0)
                p.Add($"patch {Patch} must divide the input {Height}x{Width} (padding is not supported)");
            if (NumOutputs < 1) p.Add($"num_outputs {NumOutputs} must be >= 1");
        }
        p.AddRange(TaskProblems(given));
        // The size check needs the fields above to be in range (and dt_rank to parse).
        if (p.Count == 0 && ParameterCount() is var n && n > MaxParameters)
            p.Add(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                $"size {n:N0} parameters exceeds the limit of {MaxParameters:N0} (d_model {DModel}, expand {Expand}, d_state {DState}, n_layers {NLayers}{(Head == Head.Lm ? $", vocab {Vocab}" : "")})"));
        return p;
    }

    /// <summary>The switches whose value is not one of their names (in a file: a name the JSON did not know).</summary>
    internal IEnumerable<string> UndefinedSwitches(IReadOnlyDictionary<string, string>? given) =>
        new[]
        {
            Undefined(given, "task", Task), Undefined(given, "arch", Arch), Undefined(given, "head", Head), Undefined(given, "norm", Norm),
            RangeInit is { } ri ? Undefined(given, "range_init", ri) : null, Undefined(given, "delta_act", DeltaAct),
            Undefined(given, "silu", Silu), Undefined(given, "exp", Exp),
        }.OfType<string>();

    /// <summary>"norm 'batch' must be rms, layer or range" for an undefined value, else null.</summary>
    private static string? Undefined<T>(IReadOnlyDictionary<string, string>? given, string key, T v) where T : struct, Enum =>
        Enum.IsDefined(v) ? null
        : typeof(T) == typeof(TaskKind) || typeof(T) == typeof(Arch) ? $"{key} '{QuotedSwitch(given, key, v)}' is not one of {string.Join(", ", Switches.Names<T>())}"
        : $"{key} '{QuotedSwitch(given, key, v)}' must be {Switches.Alternatives<T>()}";

    /// <summary>A switch's JSON name; for an undefined value, the text the file held (clipped).</summary>
    private static string QuotedSwitch<T>(IReadOnlyDictionary<string, string>? given, string key, T v) where T : struct, Enum =>
        Enum.IsDefined(v) ? SwitchConverter<T>.NameOf(v) : Shown.Value(given?.GetValueOrDefault(key) ?? v.ToString());

    /// <summary>Largest model a config may describe. Far above every preset (the largest has about
    /// 1.4 M parameters); a config above it is a typo, and libtorch would try to allocate it first.</summary>
    public const long MaxParameters = 100_000_000;

    /// <summary>Positions the Transformer LM's learned position table covers (its constructor's default).</summary>
    public const int TransformerContext = 512;

    /// <summary>Mismatches with what the task's data fixes (<see cref="TaskInfo"/>): head, sample geometry, outputs.</summary>
    public IReadOnlyList<string> TaskProblems() => TaskProblems(null);

    private List<string> TaskProblems(IReadOnlyDictionary<string, string>? given)
    {
        var p = new List<string>();
        if (TaskInfo.Find(Task) is not { } t) return p;
        string task = Task.Name();
        if (Head != t.Head)
        {
            p.Add($"head '{QuotedSwitch(given, "head", Head)}' does not fit task '{task}', which needs head '{t.Head.Name()}'");
            return p;
        }
        if (Head == Head.Lm) return p;
        if (InChannels != t.InChannels || Height != t.Height || Width != t.Width)
            p.Add($"input geometry {InChannels}x{Height}x{Width} does not match task '{task}', whose samples are {t.InChannels}x{t.Height}x{t.Width}");
        if (NumOutputs != t.Outputs)
            p.Add(Head == Head.Regress
                ? $"num_outputs {NumOutputs} must equal the label width of task '{task}': {t.Outputs}"
                : $"num_outputs {NumOutputs} must equal the number of classes of task '{task}': {t.Outputs}");
        return p;
    }

    /// <summary>The number of parameters the model of this config has, computed from the sizes without
    /// building it (exactly <c>ModelLoader.Create(cfg)</c>'s count, a test checks every preset), not counting
    /// the knots and values of piecewise-linear units, whose size the approximation table sets. A language
    /// model's embedding counts <see cref="Vocab"/> rows (none while vocab is 0, i.e. still to come from the data).</summary>
    public long ParameterCount()
    {
        long d = DModel, o = NumOutputs;
        long NormP(long w) => Norm == Norm.Rms ? w : 2 * w;                      // rms: gain; layer, range: gain + bias
        long Linear(long i, long j, bool bias = true) => i * j + (bias ? j : 0);
        long PatchEmbedP() => Linear(PatchDim, d) + (long)Tokens * d;          // projection + position table
        long TransformerBlockP(long w) => 2 * w + Linear(w, 3 * w) + Linear(w, w) + 2 * w + Linear(w, MlpRatio * w) + Linear(MlpRatio * w, w);
        long MambaBlockP()
        {
            long di = DInner, n = DState, r = DtRankValue;
            return NormP(d) + Linear(d, 2 * di, false) + di * DConv + di + Linear(di, r + 2 * n, false)
                 + Linear(r, di) + di * n + di + Linear(di, d, false);
        }
        switch (Arch)
        {
            case Arch.Mamba when Head == Head.Lm:
                long e = EmbedWidth;
                return (long)Vocab * e + (e < d ? 2 * e * d : 0) + NLayers * MambaBlockP() + NormP(d);
            case Arch.Mamba:
                return PatchEmbedP() + NLayers * MambaBlockP() + NormP(d) + Linear(d, o);
            case Arch.Vit:
                return PatchEmbedP() + NLayers * TransformerBlockP(d) + 2 * d + Linear(d, o);
            case Arch.Transformer:
                return (long)Vocab * d + TransformerContext * d + NLayers * TransformerBlockP(d) + 2 * d;
            case Arch.Cnn:
                long total = 0, cin = InChannels;
                for (int s = 0; s < NLayers; s++)
                {
                    long c = d << s;
                    total += cin * c * 9 + 2 * c + c * c * 9 + 2 * c;          // conv3x3 (no bias) + batch norm, twice
                    cin = c;
                }
                return total + Linear(cin, o);
            default:
                return 0;
        }
    }
}

/// <summary>Reads dt_rank from "auto", "3" or 3; writes it back as it was given.</summary>
internal sealed class DtRankConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString()!,
        JsonTokenType.Number when reader.TryGetInt32(out int v) => v.ToString(System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new JsonException("dt_rank must be \"auto\" or a positive integer"),
    };

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
