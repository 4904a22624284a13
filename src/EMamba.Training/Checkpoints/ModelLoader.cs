using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Checkpoints;
using EMamba.Training.Modules;
using EMamba.Training.Modules.Baselines;
using TorchSharp;
using static TorchSharp.torch;
using EMamba.Training.Scan;

namespace EMamba.Training.Checkpoints;

/// <summary>Builds a model from a checkpoint, optionally swapping in piecewise-linear tables
/// from an approx.json for some or all of its functions (the "train exact, approximate at inference"
/// mode, and the starting point of fine-tuning).</summary>
public static class ModelLoader
{
    /// <summary>Whether <paramref name="name"/> is the knots or values tensor of one of <paramref name="functions"/>' PWL units.</summary>
    public static bool IsPwlTensor(string name, IEnumerable<PwlFunction> functions) =>
        functions.Any(f => TensorNames.Pwl(f) is var n && (name == n.Knots || name == n.Values));

    /// <summary>The model config and PWL tables after applying <paramref name="approx"/> (restricted to
    /// <paramref name="only"/> when given) to a checkpoint: a function the file covers becomes "pwl" with
    /// the file's table; a function the checkpoint already approximates keeps its own table.</summary>
    public static (ModelConfig Config, Dictionary<PwlFunction, PwlTable> Tables, HashSet<PwlFunction> FromFile) Plan(
        Checkpoint ck, ApproxFile? approx, IReadOnlyCollection<PwlFunction>? only = null)
    {
        var cfg = ck.Config.Model;
        var tables = new Dictionary<PwlFunction, PwlTable>();
        var fromFile = new HashSet<PwlFunction>();
        foreach (var f in PwlFunctions.All)
        {
            if (approx != null && (only is null || only.Contains(f)) && approx.Tables.TryGetValue(f, out var t))
            {
                tables[f] = t; fromFile.Add(f);
                cfg = f == PwlFunction.Silu ? cfg with { Silu = Impl.Pwl } : cfg with { Exp = Impl.Pwl };
            }
            else if ((f == PwlFunction.Silu ? cfg.Silu : cfg.Exp) == Impl.Pwl)
                tables[f] = TableIn(ck, f);
        }
        if (only != null)
            foreach (var f in only)
                if (approx == null || !approx.Tables.ContainsKey(f))
                    throw new EMambaException($"the approximation file has no table for '{f.Name()}'", ExitCodes.BadInput);
        return (cfg, tables, fromFile);
    }

    /// <summary>A fresh model of the architecture the config names: vision/radar models map
    /// (B, C, H, W) -> (B, NumOutputs), language models (B, L) tokens -> (B, L, V) logits.</summary>
    public static nn.Module<Tensor, Tensor> Create(ModelConfig cfg, IReadOnlyDictionary<PwlFunction, PwlTable>? tables = null)
    {
        if (cfg.Arch != Arch.Mamba && (cfg.Silu == Impl.Pwl || cfg.Exp == Impl.Pwl))
            throw new EMambaException($"arch '{cfg.Arch.Name()}' has no SiLU/exp units to approximate; silu/exp 'pwl' need arch 'mamba'", ExitCodes.BadConfig);
        return cfg.Arch switch
        {
            Arch.Mamba when cfg.Head == Head.Lm => new MambaLM(cfg, tables),
            Arch.Mamba => new MambaModel(cfg, tables),
            Arch.Cnn => new CnnModel(cfg),
            Arch.Vit => new VitModel(cfg),
            Arch.Transformer => new TransformerLM(cfg),
            _ => throw new EMambaException($"arch '{cfg.Arch.Name()}' is not one of {string.Join(", ", Switches.Names<Arch>())}", ExitCodes.BadConfig),
        };
    }

    /// <summary>The PWL units a model trains (none for the baselines).</summary>
    public static IEnumerable<PwlOp> PwlUnits(nn.Module model) => model switch
    {
        MambaModel m => m.Ops.Units,
        MambaLM lm => lm.Ops.Units,
        _ => [],
    };

    public static long ParameterCount(nn.Module model) => model.parameters().Sum(p => p.numel());

    public static nn.Module<Tensor, Tensor> Load(Checkpoint ck, ApproxFile? approx = null, IReadOnlyCollection<PwlFunction>? only = null)
    {
        var (cfg, tables, fromFile) = Plan(ck, approx, only);
        var model = Create(cfg, tables);
        ck.LoadInto(model, name => IsPwlTensor(name, fromFile));
        // Checkpoints fine-tuned before exp values were kept in [0, 1] may hold values above 1.
        foreach (var u in PwlUnits(model)) u.KeepAdmissible();
        return model;
    }

    /// <summary>The PWL table stored in a checkpoint (a model trained or fine-tuned with "pwl").</summary>
    public static PwlTable TableIn(Checkpoint ck, PwlFunction f)
    {
        var (kn, vn) = TensorNames.Pwl(f);
        if (!ck.File.Contains(kn) || !ck.File.Contains(vn))
            throw new EMambaException($"{ck.Path}: config uses a PWL {f.Name()} but the tensors '{kn}' / '{vn}' are missing");
        double[] k = [.. ck.File[kn].AsFloat().Select(v => (double)v)], v = [.. ck.File[vn].AsFloat().Select(v => (double)v)];
        var p = PwlTable.Check(f, k, v);
        if (p.Count > 0) throw new EMambaException($"{ck.Path}: {string.Join("; ", p)}", ExitCodes.BadInput);
        return new PwlTable(f, k, v);
    }
}
