using EMamba.Core;
using EMamba.Search.Space;

namespace EMamba.Search.Samplers;

/// <summary>NSGA-II as a sampler (Deb et al., IEEE TEC 2002), generational over a study's finished trials.
/// <list type="bullet">
/// <item>Generation 0 is the random sampler's first P trials (so a random search with the same seed shares them).</item>
/// <item>Once g whole generations have finished (g*P observations with objectives, in the order the study
/// lists them), the parents are the P survivors of those g*P under constrained domination
/// (<see cref="ConstrainedDominance.Select"/>: elitist, every earlier generation competes). Pruned trials
/// enter with the objectives the study gives them; a trial without objectives is ignored.</item>
/// <item>Each trial's child: two binary tournaments (rank, then crowding, then index); with probability
/// crossover_prob SBX on each numeric coordinate with probability 1/2 and a uniform swap of each
/// categorical; then each varied coordinate mutates with probability mutation_prob (default 1/n):
/// polynomial for numbers (ints rounded to their grid and clamped), a uniform reset for categoricals.</item>
/// <item>A child equal to a finished trial is drawn again (up to <see cref="Draw.MaxAttempts"/> times).</item>
/// </list>
/// The variation stream is seeded by (seed, trial number), so a sample depends on the seed, the trial number
/// and the finished trials only.</summary>
public sealed class Nsga2Sampler : ISampler
{
    private const int Salt = 0x4E534741;   // "NSGA"
    private readonly IReadOnlyList<Parameter> parameters;
    private readonly Parameter[] varied;
    private readonly SamplerSettings settings;
    private readonly int seed;
    private readonly Func<IReadOnlyDictionary<string, object>, bool>? isValid;
    private readonly RandomSampler initial;

    public Nsga2Sampler(IReadOnlyList<Parameter> parameters, SamplerSettings settings, int seed, Func<IReadOnlyDictionary<string, object>, bool>? isValid = null)
    {
        if (settings.Problems() is { Count: > 0 } p) throw new ArgumentException(string.Join("; ", p));
        this.parameters = parameters;
        this.settings = settings;
        this.seed = seed;
        this.isValid = isValid;
        varied = [.. parameters.Where(x => x.Domain.Varies)];
        initial = new RandomSampler(parameters, seed, isValid);
    }

    public int Population => settings.Population;

    public IReadOnlyDictionary<string, object> Sample(int number, IReadOnlyList<Observation> completed)
    {
        var scored = completed.Where(o => o.Objectives != null).ToList();
        int generations = scored.Count / Population;
        if (generations == 0 || varied.Length == 0) return initial.Sample(number);
        var pool = scored.Take(generations * Population).ToList();
        var parents = ConstrainedDominance.Select(pool, Population).Select(i => pool[i]).ToList();
        var rank = ConstrainedDominance.Rank(parents);
        var rng = new Random(SeedMix.Of(seed, number, Salt));
        // A clone of a finished trial (no crossover and no mutation hit, or two equal parents) would spend a
        // whole training on a known point: draw again, as pymoo's eliminate_duplicates does.
        var seen = completed.Select(o => Key(o.Params)).ToHashSet(StringComparer.Ordinal);
        OrderedDictionary<string, object> child = [];
        OrderedDictionary<string, object>? firstValid = null;
        for (int attempt = 0; attempt < Draw.MaxAttempts; attempt++)
        {
            var a = parents[Tournament(rank, rng)];
            var b = parents[Tournament(rank, rng)];
            child = Child(a.Params, b.Params, rng);
            if (!(isValid?.Invoke(child) ?? true)) continue;
            if (!seen.Contains(Key(child))) return child;
            firstValid ??= child;
        }
        return firstValid ?? child;   // every valid child repeated a trial (a space nearly used up): a repeat
    }

    /// <summary>A point's values as text in name order, to compare a child with the finished trials.</summary>
    private static string Key(IReadOnlyDictionary<string, object> values) =>
        string.Join('\u0001', values.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => kv.Key + "=" + Convert.ToString(kv.Value, System.Globalization.CultureInfo.InvariantCulture)));

    private static int Tournament((int Rank, double Crowding)[] r, Random rng)
    {
        int i = rng.Next(r.Length), j = rng.Next(r.Length);
        if (r[i].Rank != r[j].Rank) return r[i].Rank < r[j].Rank ? i : j;
        if (r[i].Crowding != r[j].Crowding) return r[i].Crowding > r[j].Crowding ? i : j;
        return Math.Min(i, j);
    }

    private OrderedDictionary<string, object> Child(IReadOnlyDictionary<string, object> a, IReadOnlyDictionary<string, object> b, Random rng)
    {
        var x = varied.Select(p => Draw.Encode(p.Domain, Value(a, p))).ToArray();
        var y = varied.Select(p => Draw.Encode(p.Domain, Value(b, p))).ToArray();
        bool cross = rng.NextDouble() < settings.CrossoverProb;
        double pm = settings.MutationProb ?? 1.0 / varied.Length;
        for (int i = 0; i < varied.Length; i++)
        {
            var d = varied[i].Domain;
            if (d is Categorical c)
            {
                if (cross && rng.NextDouble() < 0.5) x[i] = y[i];
                if (rng.NextDouble() < pm) x[i] = rng.Next(c.Choices.Count);
                continue;
            }
            var (lo, hi) = Draw.Bounds(d);
            if (cross && rng.NextDouble() < 0.5) x[i] = Variation.Sbx(x[i], y[i], lo, hi, settings.EtaCrossover, rng).C1;
            if (rng.NextDouble() < pm) x[i] = Variation.Polynomial(x[i], lo, hi, settings.EtaMutation, rng);
        }
        OrderedDictionary<string, object> values = [];
        int k = 0;
        foreach (var p in parameters)
            values[p.Name] = p.Domain.Varies ? Draw.Decode(p.Domain, x[k++]) : Draw.Uniform(p.Domain, rng);
        return values;
    }

    /// <summary>A parent's value of a parameter; one drawn from a space that has since changed (or is missing)
    /// is replaced by the domain's nearest value, so a study resumed on an edited space still samples.</summary>
    private static object Value(IReadOnlyDictionary<string, object> values, Parameter p)
    {
        if (values.TryGetValue(p.Name, out var v) && p.Domain.Contains(v)) return v;
        return p.Domain switch
        {
            IntRange r => r.Nearest(v is int i ? i : r.Low),
            FloatRange r => Math.Clamp(v is double dv ? dv : r.Low, r.Low, r.High),
            Categorical c => c.Choices[0],
            _ => throw new ArgumentException($"{p.Name}: {p.Domain.GetType().Name} is not varied"),
        };
    }
}
