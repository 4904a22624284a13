namespace EMamba.Search.Space;

public enum SamplerKind { Random, Nsga2 }

/// <summary>The sampler of a study and NSGA-II's variation settings (Deb's usual values: SBX with
/// distribution index 15 at probability 0.9, polynomial mutation with index 20 at probability 1/n for n
/// varied parameters when <see cref="MutationProb"/> is null).</summary>
public sealed record SamplerSettings(SamplerKind Kind = SamplerKind.Nsga2, int Population = 8, double CrossoverProb = 0.9,
    double? MutationProb = null, double EtaCrossover = 15, double EtaMutation = 20)
{
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Population < 2 || Population > 10_000) p.Add($"population {Population} must be in 2..10000");
        if (!(CrossoverProb >= 0 && CrossoverProb <= 1)) p.Add($"crossover_prob {CrossoverProb} must be in [0, 1]");
        if (MutationProb is double m && !(m >= 0 && m <= 1)) p.Add($"mutation_prob {m} must be in [0, 1]");
        if (!(EtaCrossover >= 0 && EtaCrossover <= 1000)) p.Add($"eta_crossover {EtaCrossover} must be in [0, 1000]");
        if (!(EtaMutation >= 0 && EtaMutation <= 1000)) p.Add($"eta_mutation {EtaMutation} must be in [0, 1000]");
        return p;
    }
}
