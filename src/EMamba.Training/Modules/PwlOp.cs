using EMamba.Core.Approx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using EMamba.Training.Pwl;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;
using Names = EMamba.Core.Checkpoints.TensorNames.Parts;

namespace EMamba.Training.Modules;

/// <summary>A trainable piecewise-linear SiLU or exp: knots and values are parameters (so they can be
/// fine-tuned and searched). One instance serves every block of a model, as one hardware unit would.</summary>
public sealed class PwlOp : nn.Module<Tensor, Tensor>
{
    private readonly Parameter knots;
    private readonly Parameter values;

    public PwlFunction Function { get; }

    /// <summary>Indices of the knots held fixed with their values (the rule's pins the table sat on when
    /// it was made or loaded: exp's knot at 0 with value 1); re-imposed after every step.</summary>
    public IReadOnlyList<int> Pinned => [.. pins.Select(p => p.Index)];
    private (int Index, float X, float Y)[] pins;

    private void FindPins()
    {
        var k = TensorMemory.Read(knots); var v = TensorMemory.Read(values);
        pins = [.. PwlTable.PinnedIn(Function, k, v).Select(i => (i, k[i], v[i]))];
    }
    public Parameter Knots => knots;
    public Parameter Values => values;

    public PwlOp(PwlTable table) : base("Pwl" + table.Function.Name())
    {
        Function = table.Function;
        knots = nn.Parameter(tensor(table.Knots.Select(v => (float)v).ToArray()));
        values = nn.Parameter(tensor(table.Values.Select(v => (float)v).ToArray()));
        pins = [];
        FindPins();
        register_parameter(Names.Knots, knots);
        register_parameter(Names.Values, values);
    }

    public override Tensor forward(Tensor x) => PiecewiseLinear.Apply(x, knots, values, Function);

    public PwlTable Table() => new(Function, TensorMemory.Read(knots).Select(v => (double)v).ToArray(),
        TensorMemory.Read(values).Select(v => (double)v).ToArray());

    public void Load(PwlTable t)
    {
        if (t.Function != Function || t.Knots.Length != knots.shape[0])
            throw new ArgumentException($"table {t.Function.Name()} with {t.Knots.Length} knots does not fit {Function.Name()} with {knots.shape[0]}");
        using var _ = no_grad();
        knots.copy_(tensor(t.Knots.Select(v => (float)v).ToArray()));
        values.copy_(tensor(t.Values.Select(v => (float)v).ToArray()));
        FindPins();
    }

    /// <summary>After an optimiser step or a checkpoint load: keep the knots strictly increasing (a
    /// step can swap two neighbours: the (knot, value) points are re-sorted together) with a minimum
    /// gap of 1e-3 of the mean segment width, the values inside the rule's clip (exp: [0, 1], see
    /// <see cref="PwlRule"/>), and the pinned knots and values exactly where they were.</summary>
    public void KeepAdmissible()
    {
        var k = TensorMemory.Read(knots);
        var v = TensorMemory.Read(values);
        var rule = Function.Rule();
        float gap = (k[^1] - k[0]) / (k.Length - 1) * 1e-3f;
        if (!(gap > 0)) gap = 1e-6f;
        var order = Enumerable.Range(0, k.Length).OrderBy(i => k[i]).ToArray();
        var ks = order.Select(i => k[i]).ToArray();
        var vs = order.Select(i => (float)rule.Clip(v[i])).ToArray();
        // A pin follows its point through the sort, then goes back to its exact place and value.
        pins = [.. pins.Select(p => (Array.IndexOf(order, p.Index), p.X, p.Y)).OrderBy(p => p.Item1)];
        foreach (var (i, x, y) in pins) { ks[i] = x; vs[i] = y; }
        // Minimum gaps outwards from the first pin (or from the first knot): a pin never moves.
        int anchor = pins.Length > 0 ? pins[0].Index : 0;
        for (int i = anchor + 1; i < ks.Length; i++)
            if (ks[i] < ks[i - 1] + gap && !pins.Any(p => p.Index == i)) ks[i] = ks[i - 1] + gap;
        for (int i = anchor - 1; i >= 0; i--)
            if (ks[i] > ks[i + 1] - gap) ks[i] = ks[i + 1] - gap;
        if (ks.SequenceEqual(k) && vs.SequenceEqual(v)) return;
        using var _ = no_grad();
        knots.copy_(tensor(ks));
        values.copy_(tensor(vs));
    }
}
