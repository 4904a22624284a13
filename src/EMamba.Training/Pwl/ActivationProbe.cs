using EMamba.Core.Approx;
using static TorchSharp.torch;
using EMamba.Training.Scan;

namespace EMamba.Training.Pwl;

/// <summary>Collects histograms of the inputs of SiLU (gate and after the conv) and of exp
/// (Delta * A) while a model runs, for fitting the piecewise-linear tables to where the activations
/// actually fall. Ranges are wide and fixed (0.01-wide bins); the mass outside is counted.</summary>
public sealed class ActivationProbe
{
    public const int BinsPerUnit = 100;
    private readonly Dictionary<PwlFunction, Histogram> hist = new()
    {
        [PwlFunction.Silu] = Histogram.Empty(-20, 20, 40 * BinsPerUnit),
        [PwlFunction.Exp] = Histogram.Empty(-20, 2, 22 * BinsPerUnit),
    };

    public IReadOnlyDictionary<PwlFunction, Histogram> Histograms => hist;

    public void Observe(PwlFunction fn, Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = hist[fn];
        var flat = x.detach().reshape(-1);
        var counts = flat.histc(h.Bins, (long)h.Lo, (long)h.Hi).to(int64);   // integer ranges (histc takes longs); x = Hi lands in the last bin
        long below = flat.lt(h.Lo).sum().item<long>(), above = flat.gt(h.Hi).sum().item<long>();
        var c = counts.data<long>().ToArray();
        hist[fn] = h.Add(h with { Counts = c, Below = below, Above = above });
    }
}
