using System.Diagnostics;
using EMamba.Core;
using EMamba.Data;
using EMamba.Engine;

namespace EMamba.Hardware.Stages;

/// <summary><c>emamba hw sim</c> as a library call: generates the design, builds it in a simulator
/// (cached per design hash), runs the first K samples of a split through it in batches and checks each
/// sample's outputs against the integer reference bit for bit. A mismatching sample is rerun with taps
/// so that the error names the first differing tensor, token and index.</summary>
public static class HwSimStage
{
    public const int MaxCount = 10_000;
    public const int Batch = 16;

    public sealed record Request(string Model, string? Config, int Count, Simulator Simulator, string Split = "test", string? Data = null,
        string? Cache = null, IStageObserver? Observer = null, Action<int, int>? Progress = null);

    /// <param name="Measured">cycles per inference the testbench counted, per sample</param>
    public sealed record Result(int Samples, IReadOnlyList<long> Measured, CycleModel Model, AcceleratorConfig Config, bool Cached, string BuildDir,
        string? FirstMismatch, int Mismatches, double BuildSeconds, double SimSeconds);

    public static Result Run(Request q, CancellationToken ct = default)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        if (q.Count < 1 || q.Count > MaxCount) throw new EMambaException($"--count {q.Count} must be in 1..{MaxCount}", ExitCodes.Usage);
        var (m, c) = HwGenStage.Load(q.Model, q.Config);
        var cfg = m.Config;
        var ds = SplitChecks.NonEmpty(TaskData.First(TaskData.Split(new RunConfig { Model = cfg }, q.Data, q.Split), q.Count), q.Split);
        var norm = Normalizer.Parse(m.Normalizer, cfg.InChannels);
        var d = HwGenStage.Generate(m, c);
        if (Simulation.Missing(q.Simulator) is { } tool) throw new EMambaException($"{tool} is not on PATH: install the {(q.Simulator == Simulator.Verilator ? "verilator" : "iverilog")} package (build/setup.sh test does)", ExitCodes.Usage);
        var sw = Stopwatch.StartNew();
        obs.Info($"building {c.TopName} in {q.Simulator.ToString().ToLowerInvariant()} (design {d.Hash[..12]})");
        SimBuild build;
        build = Sim(() => Simulation.Build(d, q.Simulator, q.Cache));
        double buildSeconds = sw.Elapsed.TotalSeconds;
        obs.Info(build.Cached ? $"using the cached build in {build.Dir}" : $"built in {buildSeconds:F1} s into {build.Dir}");

        sw.Restart();
        var measured = new List<long>();
        string? first = null; int bad = 0;
        for (int start = 0; start < ds.Count; start += Batch)
        {
            ct.ThrowIfCancellationRequested();
            var inputs = Enumerable.Range(start, Math.Min(Batch, ds.Count - start)).Select(i => Samples.Codes(Samples.Normalised(ds, i, norm), m.Input)).ToList();
            var res = Sim(() => Simulation.Run(build, inputs, taps: false));
            for (int i = 0; i < inputs.Count; i++)
            {
                measured.Add(res[i].Cycles);
                if (Cosim.FirstMismatch(m, d, inputs[i], res[i]) is null) continue;
                bad++;
                if (first != null) continue;
                // Rerun this sample with taps: the first differing tensor is where the RTL leaves the engine.
                var tapped = Sim(() => Simulation.Run(build, [inputs[i]], taps: true))[0];
                first = $"sample {start + i}: {Cosim.FirstMismatch(m, d, inputs[i], tapped)}";
            }
            q.Progress?.Invoke(start + inputs.Count, ds.Count);
        }
        return new Result(ds.Count, measured, CycleModel.Of(m, c), c, build.Cached, build.Dir, first, bad, buildSeconds, sw.Elapsed.TotalSeconds);
    }

    // A simulator that fails (a build error, a crash) is reported as one clear error with its log's tail.
    private static T Sim<T>(Func<T> f)
    {
        try { return f(); }
        catch (InvalidOperationException e) { throw new EMambaException(e.Message, ExitCodes.Failure, e); }
    }
}
