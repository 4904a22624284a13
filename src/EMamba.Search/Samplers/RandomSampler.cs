using EMamba.Core;
using EMamba.Search.Space;

namespace EMamba.Search.Samplers;

/// <summary>Independent uniform draws (log-uniform for log ranges): trial k's values depend on (seed, k)
/// only. Points that <c>isValid</c> rejects are drawn again from the same stream, up to
/// <see cref="Draw.MaxAttempts"/> times; the search rejects a point that is still invalid.</summary>
public sealed class RandomSampler(IReadOnlyList<Parameter> parameters, int seed, Func<IReadOnlyDictionary<string, object>, bool>? isValid = null) : ISampler
{
    private const int Salt = 0x52414E44;   // "RAND": keeps this stream apart from NSGA-II's variation stream

    public IReadOnlyDictionary<string, object> Sample(int number, IReadOnlyList<Observation> completed) => Sample(number);

    public IReadOnlyDictionary<string, object> Sample(int number)
    {
        var rng = new Random(SeedMix.Of(seed, number, Salt));
        OrderedDictionary<string, object> values = [];
        for (int attempt = 0; attempt < Draw.MaxAttempts; attempt++)
        {
            values = [];
            foreach (var p in parameters) values[p.Name] = Draw.Uniform(p.Domain, rng);
            if (isValid?.Invoke(values) ?? true) break;
        }
        return values;
    }
}
