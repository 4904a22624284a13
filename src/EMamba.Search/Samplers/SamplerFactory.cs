using EMamba.Search.Space;

namespace EMamba.Search.Samplers;

/// <summary>The sampler a space asks for, drawing only valid models where it can (<see cref="SearchSpace.IsValid"/>).</summary>
public static class SamplerFactory
{
    /// <param name="kind">overrides the space's sampler kind (the random-search baseline of a study: <see cref="SamplerKind.Random"/>)</param>
    /// <param name="seed">overrides the budget's seed (the baseline's repetitions)</param>
    public static ISampler For(SearchSpace space, SamplerKind? kind = null, int? seed = null)
    {
        int s = seed ?? space.Budget.Seed;
        return (kind ?? space.Sampler.Kind) == SamplerKind.Nsga2
            ? new Nsga2Sampler(space.Parameters, space.Sampler, s, space.IsValid)
            : new RandomSampler(space.Parameters, s, space.IsValid);
    }
}
