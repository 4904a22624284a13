using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine.Stages;
using EMamba.Hardware;
using EMamba.Search.Space;

namespace EMamba.Search.Runner;

/// <summary>A hand-chosen model scored the way a complete trial is (issue 19's comparison): its quantized file run
/// on the validation split in the integer engine beside its float twin, its parameters by the candidates' rule
/// (the model's plus the PWL knots and values), and its cycles and energy on the study's accelerator config.</summary>
public sealed record HandChosen(string Label, string Model, double[] Values)
{
    /// <param name="quantized">an <c>emamba quantize</c> output of the hand-chosen float checkpoint</param>
    public static HandChosen Score(Study study, string label, string quantized, string? data, int threads, CancellationToken ct)
    {
        if (!File.Exists(quantized)) throw new EMambaException($"{quantized}: hand-chosen model not found (give an 'emamba quantize' output)", ExitCodes.BadInput);
        var m = QuantFile.Read(quantized);
        if (m.Config.Task != study.Space.Base.Model.Task)
            throw new EMambaException($"{quantized}: a {m.Config.Task.ToString().ToLowerInvariant()} model cannot be compared with study '{study.Name}' on {study.Space.Base.Model.Task.ToString().ToLowerInvariant()}", ExitCodes.Usage);
        var run = RunStage.Run(new RunStage.Request(quantized, "val", data, null, threads), ct);
        var (cycles, energy, area) = HardwareCost.Of(m, study.Space.Hardware, study.Space.MeasuresArea);
        var b = m.Blocks[0];
        long parameters = m.Config.ParameterCount() + 2L * b.Silu.Knots.Length + 2L * b.Exp.Knots.Length;
        var values = new Measured(run.FloatMetric ?? double.NaN, run.Metric, parameters, cycles, energy, area).Values(study.Space.Objectives);
        return new HandChosen(label, quantized, values);
    }

    /// <summary>Issue 19's test: a trial at least as good on the first (metric) objective and strictly better on
    /// parameters or cycles; <paramref name="strict"/> asks for Pareto dominance over every objective.</summary>
    public bool BeatenBy(IReadOnlyList<Objective> objs, double[] trial, bool strict)
    {
        double Min(int i, double v) => objs[i].Minimised(v);
        if (Min(0, trial[0]) > Min(0, Values[0])) return false;
        if (strict)
        {
            bool better = false;
            for (int i = 0; i < objs.Count; i++)
            {
                if (Min(i, trial[i]) > Min(i, Values[i])) return false;
                if (Min(i, trial[i]) < Min(i, Values[i])) better = true;
            }
            return better;
        }
        return Enumerable.Range(1, objs.Count - 1).Any(i => objs[i].Kind is ObjectiveKind.Params or ObjectiveKind.Cycles && Min(i, trial[i]) < Min(i, Values[i]));
    }
}
