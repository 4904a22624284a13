using System.Text.Json;
using System.Text.Json.Serialization;

namespace EMamba.Core;

// The config switches of ModelConfig. JSON (configs, checkpoint metadata, logs) spells each value as
// its snake_case name: "fmnist", "cifar10", "rms", "pwl", ... (Switches.Name gives that spelling for
// messages and labels; interpolating the enum itself would give "Cifar10").

/// <summary>The task a model is trained on (its data set); <see cref="TaskInfo"/> says what each fixes.</summary>
[JsonConverter(typeof(SwitchConverter<TaskKind>))]
public enum TaskKind
{
    /// <summary>Fashion-MNIST: 28x28 grey images, 10 classes.</summary>
    Fmnist,
    /// <summary>CIFAR-10: 32x32 RGB images, 10 classes.</summary>
    Cifar10,
    /// <summary>MARS mmWave radar pose: 8x8x5 frames, 57 label values.</summary>
    Mars,
    /// <summary>WikiText-2 word-level language modelling.</summary>
    Wikitext2,
}

/// <summary>The model family: Mamba (exact or eMamba operators) or one of the baselines.</summary>
[JsonConverter(typeof(SwitchConverter<Arch>))]
public enum Arch
{
    Mamba,
    /// <summary>Vision/radar baseline: stages of conv3x3-BN-ReLU.</summary>
    Cnn,
    /// <summary>Vision/radar baseline: pre-norm attention blocks over patches.</summary>
    Vit,
    /// <summary>Language baseline (head lm only).</summary>
    Transformer,
}

/// <summary>What the model's output is.</summary>
[JsonConverter(typeof(SwitchConverter<Head>))]
public enum Head
{
    /// <summary>Class logits (cross-entropy).</summary>
    Classify,
    /// <summary>A label vector (regression).</summary>
    Regress,
    /// <summary>Next-token logits of a language model.</summary>
    Lm,
}

/// <summary>The per-token normalisation of a Mamba block.</summary>
[JsonConverter(typeof(SwitchConverter<Norm>))]
public enum Norm
{
    /// <summary>RMSNorm (standard Mamba).</summary>
    Rms,
    /// <summary>Layer norm.</summary>
    Layer,
    /// <summary>Range norm (eMamba): divides by max - min instead of a square root.</summary>
    Range,
}

/// <summary>Initial range-norm gain (<see cref="ModelConfig.RangeInit"/>; absent = <see cref="One"/>).</summary>
[JsonConverter(typeof(SwitchConverter<RangeInit>))]
public enum RangeInit
{
    /// <summary>gamma = 1.</summary>
    One,
    /// <summary>gamma = the expected range of d_model standard normals (layer norm's output scale).</summary>
    Matched,
}

/// <summary>The activation applied to Delta after dt_proj.</summary>
[JsonConverter(typeof(SwitchConverter<DeltaAct>))]
public enum DeltaAct
{
    /// <summary>softplus (standard Mamba).</summary>
    Softplus,
    /// <summary>ReLU (eMamba).</summary>
    Relu,
}

/// <summary>How SiLU or exp is computed.</summary>
[JsonConverter(typeof(SwitchConverter<Impl>))]
public enum Impl
{
    /// <summary>The exact function.</summary>
    Exact,
    /// <summary>A piecewise-linear table (eMamba), from approx.json or the paper's defaults.</summary>
    Pwl,
}

/// <summary>The JSON spelling of the switches, and parsing from it.</summary>
public static class Switches
{
    public static string Name(this TaskKind v) => SwitchConverter<TaskKind>.NameOf(v);
    public static string Name(this Arch v) => SwitchConverter<Arch>.NameOf(v);
    public static string Name(this Head v) => SwitchConverter<Head>.NameOf(v);
    public static string Name(this Norm v) => SwitchConverter<Norm>.NameOf(v);
    public static string Name(this RangeInit v) => SwitchConverter<RangeInit>.NameOf(v);
    public static string Name(this DeltaAct v) => SwitchConverter<DeltaAct>.NameOf(v);
    public static string Name(this Impl v) => SwitchConverter<Impl>.NameOf(v);

    /// <summary>The JSON names of every value of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Names<T>() where T : struct, Enum => SwitchConverter<T>.Names;

    /// <summary>"a, b or c": the allowed values, for messages.</summary>
    public static string Alternatives<T>() where T : struct, Enum =>
        Names<T>() is var n && n.Count > 1 ? string.Join(", ", n.Take(n.Count - 1)) + " or " + n[^1] : string.Join("", Names<T>());

    /// <summary>Parses the exact JSON name (case-sensitive, no numbers).</summary>
    public static bool TryParse<T>(string? s, out T value) where T : struct, Enum => SwitchConverter<T>.TryParse(s, out value);
}

/// <summary>Reads and writes a switch as its snake_case name. An unknown value (or a non-string) reads
/// as an undefined value instead of failing, so config validation can list it with every other problem,
/// quoting the text the file held (<see cref="RunConfig.Parse"/>); an undefined value cannot be written.</summary>
public sealed class SwitchConverter<T> : JsonConverter<T> where T : struct, Enum
{
    private static readonly T[] Values = Enum.GetValues<T>();
    internal static readonly string[] Names = [.. Values.Select(v => JsonNamingPolicy.SnakeCaseLower.ConvertName(v.ToString()))];

    /// <summary>What a value that is not one of <see cref="Names"/> reads as.</summary>
    internal static readonly T Unknown = (T)Enum.ToObject(typeof(T), -1);

    internal static string NameOf(T v) => Array.IndexOf(Values, v) is var i and >= 0 ? Names[i] : v.ToString();

    internal static bool TryParse(string? s, out T value)
    {
        int i = s is null ? -1 : Array.IndexOf(Names, s);
        value = i >= 0 ? Values[i] : Unknown;
        return i >= 0;
    }

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return TryParse(reader.GetString(), out var v) ? v : Unknown;
        reader.Skip();
        return Unknown;
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        if (!Enum.IsDefined(value)) throw new JsonException($"{typeof(T).Name} value {value} has no JSON name (one of {string.Join(", ", Names)})");
        writer.WriteStringValue(NameOf(value));
    }
}
