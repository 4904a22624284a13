using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Stages;

/// <summary><c>emamba hw synth</c> as a library call: the accelerator of a quantized model generated and
/// synthesized by yosys for one target (docs/synthesis.md), results cached per design and tool version.</summary>
public static class HwSynthStage
{
    public sealed record Request(string Model, string? Config, SynthTarget Target, Ice40Device Device = Ice40Device.Hx8k,
        string? Cache = null, TimeSpan? Timeout = null, IStageObserver? Observer = null);

    public sealed record Result(AcceleratorConfig Config, CycleModel Cycles, SynthResult Synth, double Seconds);

    public static Result Run(Request q)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        var (m, c) = HwGenStage.Load(q.Model, q.Config);
        var d = HwGenStage.Generate(m, c);
        return Synthesize(d, c, CycleModel.Of(m, c), q, obs);
    }

    /// <summary>Synthesizes a design already generated for <paramref name="c"/> (<see cref="Request.Model"/> and
    /// <see cref="Request.Config"/> are not read): what a sweep does for each of its points.</summary>
    public static Result Run(IntModel m, Design d, AcceleratorConfig c, Request q) =>
        Synthesize(d, c, CycleModel.Of(m, c), q, q.Observer ?? SilentStageObserver.Instance);

    /// <summary>Synthesizes a generated design: written to a temporary folder, which the synthesizer copies into its cache.</summary>
    private static Result Synthesize(Design d, AcceleratorConfig c, CycleModel cm, Request q, IStageObserver obs)
    {
        string dir = Path.Combine(Path.GetTempPath(), "emamba-synth-" + Guid.NewGuid().ToString("N"));
        var sw = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            d.WriteTo(dir);
            obs.Info($"synthesizing {d.Top} ({c.Summary()}) for {q.Target.ToString().ToLowerInvariant()} with yosys");
            var res = Synthesizer.Run(dir, d.Top, new SynthOptions
            {
                Target = q.Target, Device = q.Device, ClockMhz = c.ClockMhz, Cache = q.Cache,
                Timeout = q.Timeout ?? TimeSpan.FromHours(2),
            });
            return new Result(c, cm, res, sw.Elapsed.TotalSeconds);
        }
        catch (SynthesisException e) { throw new EMambaException(e.Message, ExitCodes.Failure, e); }
        finally { if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true); }
    }
}
