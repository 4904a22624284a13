using CsCheck;
using EMamba.Search.Samplers;
using EMamba.Search.Space;

namespace EMamba.Search.Tests;

/// <summary>The samplers: every sample inside its space, determinism, constrained domination, and NSGA-II
/// beating random search on ZDT1 with the same number of trials.</summary>
public class SamplerTests
{
    private static readonly Gen<ParamDomain> Domains = Gen.OneOf<ParamDomain>(
        Gen.Select(Gen.Int[-50, 50], Gen.Int[0, 40], Gen.Int[1, 7]).Select(t => (ParamDomain)new IntRange(t.Item1, t.Item1 + t.Item2, t.Item3)),
        Gen.Select(Gen.Int[1, 50], Gen.Int[0, 400]).Select(t => (ParamDomain)new IntRange(t.Item1, t.Item1 + t.Item2, 1, Log: true)),
        Gen.Select(Gen.Double[-5, 5], Gen.Double[0, 10]).Select(t => (ParamDomain)new FloatRange(t.Item1, t.Item1 + t.Item2)),
        Gen.Select(Gen.Double[1e-4, 1], Gen.Double[1, 1000]).Select(t => (ParamDomain)new FloatRange(t.Item1, t.Item1 * t.Item2, Log: true)),
        Gen.Int[1, 5].Select(n => (ParamDomain)new Categorical([.. Enumerable.Range(0, n).Select(i => (object)$"c{i}")])),
        Gen.Int.Select(v => (ParamDomain)new Fixed(v)));

    private static readonly Gen<Parameter[]> Spaces = Domains.Array[1, 6].Select(ds => ds.Select((d, i) => new Parameter($"p{i}", d)).ToArray());

    private static void Inside(IReadOnlyList<Parameter> ps, IReadOnlyDictionary<string, object> v)
    {
        Assert.Equal(ps.Select(p => p.Name), v.Keys);
        foreach (var p in ps) Assert.True(p.Domain.Contains(v[p.Name]), $"{p.Name} = {v[p.Name]} outside {p.Domain}");
    }

    /// <summary>Finished trials of random points with objectives and violations drawn from <paramref name="rng"/>.</summary>
    private static List<Observation> History(IReadOnlyList<Parameter> ps, int seed, int count, Random rng)
    {
        var random = new RandomSampler(ps, seed + 1);
        return [.. Enumerable.Range(0, count).Select(k => new Observation(k, random.Sample(k), [rng.Next(5), rng.Next(5)], rng.Next(3) == 0 ? rng.Next(1, 4) : 0))];
    }

    [Fact]
    public void SamplesAreAlwaysInsideTheSpace() =>
        Gen.Select(Spaces, Gen.Int, Gen.Int[0, 200], Gen.Int[0, 30]).Sample((ps, seed, k, done) =>
        {
            Inside(ps, new RandomSampler(ps, seed).Sample(k));
            var nsga = new Nsga2Sampler(ps, new SamplerSettings(Population: 4), seed);
            Inside(ps, nsga.Sample(k, History(ps, seed, done, new Random(seed))));
        }, iter: 300);

    [Fact]
    public void TheExampleSpacesSampleValidCandidates()
    {
        foreach (var file in new[] { "mars.json", "fmnist.json" })
        {
            var s = SearchSpace.Load(Path.Combine(Repo.Root, "configs", "search", file));
            var random = new RandomSampler(s.Parameters, s.Budget.Seed, s.IsValid);
            for (int k = 0; k < 20; k++)
            {
                var v = random.Sample(k);
                Inside(s.Parameters, v);
                Assert.True(s.IsValid(v));
            }
        }
    }

    [Fact]
    public void TheFactoryMakesTheSpacesSamplerOrTheBaselineAskedFor()
    {
        var s = SearchSpace.Load(Path.Combine(Repo.Root, "configs", "search", "fmnist.json"));
        Assert.IsType<Nsga2Sampler>(SamplerFactory.For(s));
        var baseline = Assert.IsType<RandomSampler>(SamplerFactory.For(s, SamplerKind.Random, seed: 2));
        Assert.Equal(new RandomSampler(s.Parameters, 2, s.IsValid).Sample(3), baseline.Sample(3));
        // Generation 0 of NSGA-II is the random baseline of the same seed.
        Assert.Equal(SamplerFactory.For(s, SamplerKind.Random).Sample(0, []), SamplerFactory.For(s).Sample(0, []));
    }

    [Fact]
    public void RandomSamplesArePureFunctionsOfSeedAndTrialNumber()
    {
        var s = SearchSpace.Load(Path.Combine(Repo.Root, "configs", "search", "mars.json"));
        var a = new RandomSampler(s.Parameters, 7);
        var b = new RandomSampler(s.Parameters, 7);
        // Out of order and repeated: trial 5's values do not depend on what was drawn before.
        Assert.Equal(a.Sample(5), b.Sample(5));
        Assert.Equal(a.Sample(5), new RandomSampler(s.Parameters, 7).Sample(5, History(s.Parameters, 3, 10, new Random(1))));
        Assert.NotEqual(a.Sample(5), a.Sample(6));
        Assert.NotEqual(a.Sample(5), new RandomSampler(s.Parameters, 8).Sample(5));
    }

    [Fact]
    public void Nsga2SamplesArePureFunctionsOfSeedTrialAndHistory()
    {
        var s = SearchSpace.Load(Path.Combine(Repo.Root, "configs", "search", "mars.json"));
        var settings = s.Sampler;
        var history = History(s.Parameters, 1, 30, new Random(2));
        var a = new Nsga2Sampler(s.Parameters, settings, 3, s.IsValid);
        var b = new Nsga2Sampler(s.Parameters, settings, 3, s.IsValid);
        Assert.Equal(a.Sample(30, history), b.Sample(30, history));
        Assert.Equal(a.Sample(31, history), b.Sample(31, [.. history]));
        Assert.NotEqual(a.Sample(30, history), a.Sample(31, history));
        // Generation 0 is the random sampler's.
        Assert.Equal(new RandomSampler(s.Parameters, 3, s.IsValid).Sample(4), a.Sample(4, history.Take(settings.Population - 1).ToList()));
        // Parents change only when a whole generation has finished: 24 and 35 observations are both 2 generations of 12.
        Assert.Equal(a.Sample(40, history.Take(24).ToList()), a.Sample(40, history.Take(24).Concat(history.Skip(24).Take(11).Select(o => o with { Objectives = [-9, -9] })).ToList()));
        // A trial without objectives is ignored.
        Assert.Equal(a.Sample(40, history.Take(24).ToList()), a.Sample(40, [.. history.Take(24), new Observation(99, history[0].Params, null, 0)]));
    }

    [Fact]
    public void SamplersDrawAgainUntilTheModelIsValid()
    {
        Parameter[] ps = [new("x", new FloatRange(0, 1)), new("c", new Categorical(["a", "b", "c"]))];
        bool Valid(IReadOnlyDictionary<string, object> v) => (double)v["x"] > 0.8 && (string)v["c"] == "b";
        var random = new RandomSampler(ps, 5, Valid);
        var nsga = new Nsga2Sampler(ps, new SamplerSettings(Population: 4), 5, Valid);
        var history = History(ps, 2, 8, new Random(3));
        for (int k = 0; k < 20; k++)
        {
            Assert.True(Valid(random.Sample(k)));
            Assert.True(Valid(nsga.Sample(k + 8, history)));
        }
    }

    /// <summary>NSGA-II never proposes a finished trial again while the space has other points: on a space of
    /// 2 x 3 x 4 = 24 points with 8 finished, no child of 200 repeats one (without the check, 138 did).</summary>
    [Fact]
    public void Nsga2ChildrenDoNotRepeatFinishedTrials()
    {
        Parameter[] ps = [new("a", new Categorical(["x", "y"])), new("b", new IntRange(1, 3)), new("c", new Categorical([1, 2, 3, 4]))];
        var rng = new Random(7);
        var done = new List<Observation>();
        var seen = new HashSet<string>();
        var random = new RandomSampler(ps, 1);
        for (int k = 0; seen.Count < 8; k++)
        {
            var v = random.Sample(k);
            if (seen.Add(string.Join(",", v.Values))) done.Add(new Observation(done.Count, v, [rng.Next(5), rng.Next(5)], 0));
        }
        var nsga = new Nsga2Sampler(ps, new SamplerSettings(Population: 4), 3);
        int repeats = Enumerable.Range(8, 200).Count(k => seen.Contains(string.Join(",", nsga.Sample(k, done).Values)));
        Assert.Equal(0, repeats);
    }

    [Fact]
    public void ParentsFromAnEditedSpaceAreBroughtInsideIt()
    {
        // A study resumed after its space was narrowed: old trials hold values the new domains do not.
        Parameter[] ps = [new("n", new IntRange(4, 16, 4)), new("x", new FloatRange(0, 1)), new("c", new Categorical(["a", "b"]))];
        var old = Enumerable.Range(0, 8).Select(k => new Observation(k, new Dictionary<string, object> { ["n"] = 40 + k, ["x"] = 3.0 + k, ["c"] = "z" }, [k, 8 - k], 0)).ToList();
        var nsga = new Nsga2Sampler(ps, new SamplerSettings(Population: 4), 1);
        for (int k = 8; k < 20; k++) Inside(ps, nsga.Sample(k, old));
    }

    private static readonly double[] F = [0, 0];

    [Fact]
    public void ConstrainedDominationPutsFeasibleFirstThenLessViolation()
    {
        Assert.True(ConstrainedDominance.Dominates([9, 9], 0, [0, 0], 0.1));     // feasible beats infeasible, whatever the objectives
        Assert.False(ConstrainedDominance.Dominates([0, 0], 0.1, [9, 9], 0));
        Assert.True(ConstrainedDominance.Dominates([9, 9], 0.1, [0, 0], 0.2));   // smaller violation wins
        Assert.False(ConstrainedDominance.Dominates(F, 0.2, F, 0.2));
        Assert.True(ConstrainedDominance.Dominates([1, 2], 0, [1, 3], 0));       // both feasible: Pareto
        Assert.False(ConstrainedDominance.Dominates([0, 4], 0, [1, 3], 0));
        Assert.True(ConstrainedDominance.Dominates(F, 5, F, double.NaN));
        Observation O(int n, double[] f, double v) => new(n, new Dictionary<string, object>(), f, v);
        var obs = new[] { O(0, [0, 0], 0.5), O(1, [5, 5], 0), O(2, [1, 9], 0), O(3, [9, 1], 0), O(4, [0, 0], 0.2), O(5, [6, 6], 0), O(6, [0, 0], 0.2) };
        // Feasible fronts {1, 2, 3} and {5}, then violations 0.2 (4 and 6, by index) and 0.5.
        Assert.Equal([1, 2, 3, 5, 4, 6, 0], ConstrainedDominance.Select(obs, 7));
        Assert.Equal([1, 2, 3, 5, 4], ConstrainedDominance.Select(obs, 5));
        Assert.Equal([2, 3], ConstrainedDominance.Select(obs, 2));   // the front's ends (infinite crowding) first
        Assert.Equal([3, 0, 0, 0, 2, 1, 2], ConstrainedDominance.Rank(obs).Select(r => r.Rank));
    }

    // ZDT1 (Zitzler, Deb, Thiele 2000) on 5 variables in [0, 1]: the front is f2 = 1 - sqrt(f1) at x1..x4 = 0.
    private static double[] Zdt1(IReadOnlyDictionary<string, object> v)
    {
        var x = Enumerable.Range(0, 5).Select(i => (double)v[$"x{i}"]).ToArray();
        double g = 1 + 9 * x.Skip(1).Sum() / 4;
        return [x[0], g * (1 - Math.Sqrt(x[0] / g))];
    }

    private static double Run(ISampler sampler, int trials)
    {
        var done = new List<Observation>();
        for (int k = 0; k < trials; k++)
        {
            var v = sampler.Sample(k, done);
            done.Add(new Observation(k, v, Zdt1(v), 0));
        }
        return Hypervolume.Of(done.Select(o => o.Objectives!), [1.1, 1.1]);
    }

    [Fact]
    public void Nsga2ApproachesTheZdt1FrontFasterThanRandomSearch()
    {
        Parameter[] ps = [.. Enumerable.Range(0, 5).Select(i => new Parameter($"x{i}", new FloatRange(0, 1)))];
        const int population = 16, trials = 16 * 20;
        // The true front's hypervolume against (1.1, 1.1) is 1.1 - 1/3 + 0.11 = 0.877. After 20 generations
        // NSGA-II measured 0.672, 0.669, 0.653 on seeds 1-3 against random search's 0.019, 0.000, 0.223. The margin
        // asked is 0.2 (at 12 generations the seeds ranged from a 0.5 lead to a 0.09 loss: small budgets are noisy).
        foreach (int seed in new[] { 1, 2, 3 })
        {
            double nsga = Run(new Nsga2Sampler(ps, new SamplerSettings(Population: population), seed), trials);
            double random = Run(new RandomSampler(ps, seed), trials);
            Assert.True(nsga > random + 0.2, $"seed {seed}: NSGA-II {nsga:F3}, random {random:F3}");
        }
    }

    [Fact]
    public void VariationStaysInsideItsBounds() =>
        Gen.Select(Gen.Double[0, 1], Gen.Double[0, 1], Gen.Int).Sample((a, b, seed) =>
        {
            var rng = new Random(seed);
            var (c1, c2) = Variation.Sbx(a, b, 0, 1, 15, rng);
            double m = Variation.Polynomial(a, 0, 1, 20, rng);
            Assert.InRange(c1, 0, 1);
            Assert.InRange(c2, 0, 1);
            Assert.InRange(m, 0, 1);
        }, iter: 500);
}
