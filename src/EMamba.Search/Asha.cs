namespace EMamba.Search;

public enum AshaDecision { Continue, Prune }

/// <summary>Asynchronous successive halving (Li, Jamieson, Rostamizadeh, Gonina, Ben-tzur, Hardt, Recht,
/// Talwalkar, "A System for Massively Parallel Hyperparameter Tuning", MLSys 2020; arXiv 1810.05934).
/// Rungs sit at min_epochs * eta^k epochs below max_epochs; a trial that reaches max_epochs completes.
/// At each rung a trial continues if its value is among the best floor(n / eta) of the n values reported
/// at that rung so far (its own included), and the best one when n &lt; eta: trials are never paused and
/// resumed, so a decision is taken when the trial arrives, against the trials that arrived before it
/// (the rule of Optuna's SuccessiveHalvingPruner). Values are minimised; the search reports the task
/// metric on the validation split at the rung's epoch (accuracy negated), the one objective known
/// that early; the hardware objectives do not change with training and are left to the sampler.</summary>
public sealed record Asha(int MinEpochs, int MaxEpochs, int Eta)
{
    /// <summary>The epochs at which decisions are taken, increasing: min_epochs * eta^k &lt; max_epochs.</summary>
    public IReadOnlyList<int> Rungs()
    {
        if (MinEpochs < 1 || MaxEpochs < MinEpochs || Eta < 2) throw new ArgumentException($"ASHA needs 1 <= min_epochs <= max_epochs and eta >= 2 (got {MinEpochs}, {MaxEpochs}, {Eta})");
        var r = new List<int>();
        for (long e = MinEpochs; e < MaxEpochs; e *= Eta) r.Add((int)e);
        return r;
    }

    /// <summary>The rung whose epoch is <paramref name="epoch"/>, or null between rungs (and at max_epochs).</summary>
    public int? RungAt(int epoch) => Rungs().ToList().IndexOf(epoch) is var i and >= 0 ? i : null;

    /// <summary>Continue or prune trial <paramref name="trialNumber"/> that reported <paramref name="value"/> at
    /// rung <paramref name="rung"/>. <paramref name="atRung"/> holds the values reported at that rung by trial
    /// number; the trial's own entry, if there, is replaced by <paramref name="value"/>. Ties continue. A NaN
    /// value (a diverged training) is pruned, and NaN values of others rank as the worst.</summary>
    public AshaDecision Decide(int trialNumber, int rung, double value, IReadOnlyDictionary<int, double> atRung)
    {
        if (rung < 0 || rung >= Rungs().Count) throw new ArgumentOutOfRangeException(nameof(rung), $"rung {rung} of {Rungs().Count}");
        if (double.IsNaN(value)) return AshaDecision.Prune;
        var values = atRung.Where(kv => kv.Key != trialNumber).Select(kv => double.IsNaN(kv.Value) ? double.PositiveInfinity : kv.Value)
                           .Append(value).Order().ToList();
        int keep = Math.Max(1, values.Count / Eta);
        return value <= values[keep - 1] ? AshaDecision.Continue : AshaDecision.Prune;
    }

    /// <summary>Epochs a trial trains on average if the share reaching rung k is eta^-k (every rung full):
    /// the budget arithmetic of docs/search.md.</summary>
    public double ExpectedEpochs()
    {
        var r = Rungs();
        double total = 0, share = 1, done = 0;
        foreach (int e in r.Append(MaxEpochs))
        {
            total += share * (e - done);
            done = e;
            share /= Eta;
        }
        return total;
    }
}
