using EMamba.Core.Approx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace EMamba.Training.Modules;

/// <summary>A trainable piecewise-linear SiLU or exp: knots and values are parameters (so they can be
/// fine-tuned and searched). One instance serves every block of a model, as one hardware unit would.</summary>
public sealed class PwlOp : nn.Module<Tensor, Tensor>
{
    private readonly Parameter knots;
    private readonly Parameter values;

    public PwlFunction Function { get; }
    public Parameter Knots => knots;
    public Parameter Values => values;

    public PwlOp(PwlTable table) : base("Pwl" + table.Function.Name())
    {
        Function = table.Function;
        knots = nn.Parameter(tensor(table.Knots.Select(v => (float)v).ToArray()));
        values = nn.Parameter(tensor(table.Values.Select(v => (float)v).ToArray()));
        RegisterComponents();
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
    }

    /// <summary>After an optimiser step or a checkpoint load: keep the knots strictly increasing (a
    /// step can swap two neighbours: the (knot, value) points are re-sorted together) with a minimum
    /// gap of 1e-3 of the mean segment width, and exp's values in [0, 1] (<see cref="PwlFunction"/>).</summary>
    public void KeepAdmissible()
    {
        var k = TensorMemory.Read(knots);
        var v = TensorMemory.Read(values);
        float gap = (k[^1] - k[0]) / (k.Length - 1) * 1e-3f;
        if (!(gap > 0)) gap = 1e-6f;
        var order = Enumerable.Range(0, k.Length).OrderBy(i => k[i]).ToArray();
        var ks = order.Select(i => k[i]).ToArray();
        var vs = order.Select(i => (float)Function.Admissible(v[i])).ToArray();
        bool changed = !order.SequenceEqual(Enumerable.Range(0, k.Length)) || !vs.SequenceEqual(order.Select(i => v[i]));
        for (int i = 1; i < ks.Length; i++)
            if (ks[i] < ks[i - 1] + gap) { ks[i] = ks[i - 1] + gap; changed = true; }
        if (!changed) return;
        using var _ = no_grad();
        knots.copy_(tensor(ks));
        values.copy_(tensor(vs));
    }
}
