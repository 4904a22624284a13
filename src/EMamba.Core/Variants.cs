namespace EMamba.Core;

/// <summary>What each Mamba operator variant is and how reports name it: one place, used by the
/// ablation, the cross-run report and evaluation. "eMamba" means all four operators: range norm,
/// ReLU Delta, PWL SiLU and PWL exp.</summary>
public static class Variants
{
    public static bool IsExact(ModelConfig m) =>
        m.Arch == Arch.Mamba && m.Norm == Norm.Rms && m.DeltaAct == DeltaAct.Softplus && m.Silu == Impl.Exact && m.Exp == Impl.Exact;

    public static bool IsEMamba(ModelConfig m) =>
        m.Arch == Arch.Mamba && m.Norm == Norm.Range && m.DeltaAct == DeltaAct.Relu && m.Silu == Impl.Pwl && m.Exp == Impl.Pwl;

    /// <summary>The report label: eMamba, Mamba (exact ops), Mamba (range norm, relu Delta, ...), CNN, ViT, Transformer.</summary>
    public static string Label(ModelConfig m) => m.Arch switch
    {
        Arch.Mamba when IsEMamba(m) => "eMamba",
        Arch.Mamba when IsExact(m) => "Mamba (exact ops)",
        Arch.Mamba => $"Mamba ({m.Norm.Name()} norm, {m.DeltaAct.Name()} Delta, SiLU {m.Silu.Name()}, exp {m.Exp.Name()})",
        Arch.Cnn => "CNN", Arch.Vit => "ViT", _ => "Transformer",
    };

    /// <summary>A few words for plot points: Mamba, Mamba+range+relu, eMamba, CNN, ViT.</summary>
    public static string ShortLabel(ModelConfig m) => m.Arch switch
    {
        Arch.Mamba when IsEMamba(m) => "eMamba",
        Arch.Mamba => "Mamba" + (m.Norm != Norm.Rms ? "+" + m.Norm.Name() : "") + (m.DeltaAct != DeltaAct.Softplus ? "+" + m.DeltaAct.Name() : "") +
                   (m.Silu == Impl.Pwl ? "+pwlSiLU" : "") + (m.Exp == Impl.Pwl ? "+pwlExp" : ""),
        _ => Label(m),
    };

    /// <summary>The ablation's trained variants, each adding one operator to the previous: name -> (norm, Delta activation, label).</summary>
    public static readonly IReadOnlyDictionary<string, (Norm Norm, DeltaAct Delta, string Label)> Trained = new Dictionary<string, (Norm, DeltaAct, string)>
    {
        ["exact"] = (Norm.Rms, DeltaAct.Softplus, "exact Mamba (RMSNorm, softplus Delta, exact SiLU/exp)"),
        ["range"] = (Norm.Range, DeltaAct.Softplus, "+ range norm"),
        ["range-relu"] = (Norm.Range, DeltaAct.Relu, "+ ReLU Delta"),
    };
}
