using System.Globalization;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;

namespace EMamba.Search.Space;

/// <summary>One point of a search space: parameter name -> value, in the space's order (the knob order of
/// <see cref="Knob.All"/>). Values are typed as <see cref="Knob.Read"/> makes them (int, double, bool,
/// "auto" or an int for dt_rank, enum values). A parameter the candidate does not name keeps the base
/// config's value (approximation: the paper's tables, fitted; quantization: Precision's defaults).</summary>
public sealed record Candidate(IReadOnlyDictionary<string, object> Params)
{
    /// <summary>The fine-tuning length of a fine_tuned candidate that does not name finetune_epochs (the ablation's).</summary>
    public const int DefaultFineTuneEpochs = 2;

    /// <summary>The candidate applied to <paramref name="baseConfig"/>, trained for <paramref name="epochs"/>
    /// (the budget's max_epochs: the learning-rate schedule spans the full run, ASHA stops it early). Invalid
    /// combinations (a patch that does not divide the input, a table range lo >= hi, ...) come back as
    /// problems that name the parameters, never as an exception.</summary>
    public Applied ApplyTo(RunConfig baseConfig, int epochs)
    {
        var p = new List<string>();
        foreach (var (name, value) in Params)
            if (Knob.Find(name) is not { } k) p.Add($"unknown parameter '{Shown.Value(name)}' (known: {string.Join(", ", Knob.All.Select(x => x.Name))})");
            else if (!k.Holds(value)) p.Add($"{name}: {Shown.Value(Convert.ToString(value, CultureInfo.InvariantCulture))} is not {k.Expected}");
        if (p.Count > 0) return new Applied(null, p);

        var b = baseConfig.Model;
        var model = b with
        {
            DModel = Get("d_model", b.DModel), Expand = Get("expand", b.Expand), DState = Get("d_state", b.DState),
            NLayers = Get("n_layers", b.NLayers), Patch = Get("patch", b.Patch), DConv = Get("d_conv", b.DConv),
            DtRank = Params.TryGetValue("dt_rank", out var r) ? Convert.ToString(r, CultureInfo.InvariantCulture)! : b.DtRank,
            Norm = Norm.Range, RangeInit = RangeInit.Matched, DeltaAct = DeltaAct.Relu, Silu = Impl.Exact, Exp = Impl.Exact,
        };
        p.AddRange(model.Problems());

        var placement = Get("knot_placement", KnotPlacement.Fitted);
        int tune = Get("finetune_epochs", DefaultFineTuneEpochs);
        var silu = Spec(PwlFunction.Silu, p);
        var exp = Spec(PwlFunction.Exp, p);
        if (exp.Lo >= 0) p.Add($"exp_lo {Num(exp.Lo)} must be below 0: exp's input delta*A is never positive");
        if (placement == KnotPlacement.FineTuned && tune < 1) p.Add("knot_placement fine_tuned needs finetune_epochs >= 1");

        var precision = new Precision
        {
            PerChannel = Get("per_channel", new Precision().PerChannel),
            Method = Get("calib_method", new Precision().Method),
            Kinds = Params.ContainsKey("state_bits") ? new Dictionary<string, Precision.Override> { ["h"] = new(Bits: Get("state_bits", 0)) } : new Dictionary<string, Precision.Override>(),
        };
        p.AddRange(precision.Problems());
        var train = baseConfig.Train with { Epochs = epochs };
        p.AddRange(train.Problems());
        if (p.Count > 0) return new Applied(null, p);

        var plan = new ApproxPlan(silu, exp, placement, placement == KnotPlacement.FineTuned ? tune : 0);
        return new Applied(new CandidateConfig(new RunConfig { Model = model, Train = train }, plan, precision, model.ParameterCount() + plan.TableParameters), []);
    }

    private T Get<T>(string name, T fallback) => Params.TryGetValue(name, out var v) ? (T)v : fallback;

    private PwlFitSpec Spec(PwlFunction f, List<string> p)
    {
        var (n, lo, hi) = f.Default();
        string s = f.Name();
        var spec = new PwlFitSpec(f, Get($"{s}_segments", n), Get($"{s}_lo", lo), Get($"{s}_hi", hi));
        if (!(spec.Hi > spec.Lo)) p.Add($"{s}_lo {Num(spec.Lo)} must be below {s}_hi {Num(spec.Hi)}");
        else if (PwlTable.Uniform(f, spec.Segments, spec.Lo, spec.Hi) is var t && PwlTable.Check(f, t.Knots, t.Values) is { Count: > 0 } bad)
            p.AddRange(bad.Select(x => $"{s}_segments {spec.Segments} on [{Num(spec.Lo)}, {Num(spec.Hi)}]: {x}"));
        return spec;
    }

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
