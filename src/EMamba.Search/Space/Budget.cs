namespace EMamba.Search.Space;

/// <summary>How much a study may spend: trials, the epoch range ASHA works in (rungs at min_epochs * eta^k,
/// completion at max_epochs), and the seed of the sampler.</summary>
public sealed record Budget(int Trials = 40, int MinEpochs = 1, int MaxEpochs = 9, int Eta = 3, int Seed = 1)
{
    public Asha Asha => new(MinEpochs, MaxEpochs, Eta);

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Trials < 1 || Trials > 100_000) p.Add($"trials {Trials} must be in 1..100000");
        if (MinEpochs < 1) p.Add($"min_epochs {MinEpochs} must be >= 1");
        if (MaxEpochs < MinEpochs || MaxEpochs > 100_000) p.Add($"max_epochs {MaxEpochs} must be in min_epochs ({MinEpochs})..100000");
        if (Eta < 2 || Eta > 100) p.Add($"eta {Eta} must be in 2..100");
        return p;
    }
}
