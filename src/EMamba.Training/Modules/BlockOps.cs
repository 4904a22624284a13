using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Training.Pwl;
using EMamba.Training.Scan;

namespace EMamba.Training.Modules;

/// <summary>What the blocks of one model share: the piecewise-linear units when the config selects
/// them (owned and registered by the model, so they appear once in its parameters), and an optional
/// probe that records activation histograms. A plain class: blocks must not register these.</summary>
public sealed class BlockOps(PwlOp? silu, PwlOp? exp)
{
    public PwlOp? Silu { get; } = silu;
    public PwlOp? Exp { get; } = exp;
    public ActivationProbe? Probe { get; set; }

    /// <summary>PWL units for the functions the config sets to "pwl": from <paramref name="tables"/>
    /// where given, else the paper's default table.</summary>
    public static BlockOps Create(ModelConfig c, IReadOnlyDictionary<PwlFunction, PwlTable>? tables)
    {
        PwlOp? Make(PwlFunction f, bool on) =>
            on ? new PwlOp(tables != null && tables.TryGetValue(f, out var t) ? t : PwlTable.Default(f)) : null;
        return new BlockOps(Make(PwlFunction.Silu, c.Silu == Impl.Pwl), Make(PwlFunction.Exp, c.Exp == Impl.Pwl));
    }

    public IEnumerable<PwlOp> Units => new[] { Silu, Exp }.OfType<PwlOp>();
}
