namespace EMamba.Core;

/// <summary>What each Mamba operator variant is and how reports name it: one place, used by the
/// ablation, the cross-run report and evaluation. "eMamba" means all four operators: range norm,
/// ReLU Delta, PWL SiLU and PWL exp.</summary>
public static class Variants
{
    public static bool IsExact(ModelConfig m) =>
        m.Arch == "mamba" && m.Norm == "rms" && m.DeltaAct == "softplus" && m.Silu == "exact" && m.Exp == "exact";

    public static bool IsEMamba(ModelConfig m) =>
        m.Arch == "mamba" && m.Norm == "range" && m.DeltaAct == "relu" && m.Silu == "pwl" && m.Exp == "pwl";

    /// <summary>The report label: eMamba, Mamba (exact ops), Mamba (range norm, relu Delta, ...), CNN, ViT, Transformer.</summary>
    public static string Label(ModelConfig m) => m.Arch switch
    {
        "mamba" when IsEMamba(m) => "eMamba",
        "mamba" when IsExact(m) => "Mamba (exact ops)",
        "mamba" => $"Mamba ({m.Norm} norm, {m.DeltaAct} Delta, SiLU {m.Silu}, exp {m.Exp})",
        "cnn" => "CNN", "vit" => "ViT", _ => "Transformer",
    };

    /// <summary>A few words for plot points: Mamba, Mamba+range+relu, eMamba, CNN, ViT.</summary>
    public static string ShortLabel(ModelConfig m) => m.Arch switch
    {
        "mamba" when IsEMamba(m) => "eMamba",
        "mamba" => "Mamba" + (m.Norm != "rms" ? "+" + m.Norm : "") + (m.DeltaAct != "softplus" ? "+" + m.DeltaAct : "") +
                   (m.Silu == "pwl" ? "+pwlSiLU" : "") + (m.Exp == "pwl" ? "+pwlExp" : ""),
        _ => Label(m),
    };

    /// <summary>The ablation's trained variants, each adding one operator to the previous: name -> (norm, Delta activation, label).</summary>
    public static readonly IReadOnlyDictionary<string, (string Norm, string Delta, string Label)> Trained = new Dictionary<string, (string, string, string)>
    {
        ["exact"] = ("rms", "softplus", "exact Mamba (RMSNorm, softplus Delta, exact SiLU/exp)"),
        ["range"] = ("range", "softplus", "+ range norm"),
        ["range-relu"] = ("range", "relu", "+ ReLU Delta"),
    };
}
