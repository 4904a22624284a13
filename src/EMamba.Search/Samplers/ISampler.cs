namespace EMamba.Search.Samplers;

/// <summary>Proposes the values of trial <c>number</c>. A sample is a pure function of the sampler's seed,
/// the trial number and <c>completed</c> (in the order the study lists its finished trials), so a resumed or
/// replayed study draws the same values.</summary>
public interface ISampler
{
    IReadOnlyDictionary<string, object> Sample(int number, IReadOnlyList<Observation> completed);
}
