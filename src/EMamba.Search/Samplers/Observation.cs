namespace EMamba.Search.Samplers;

/// <summary>What a sampler learns from one finished trial. The study's own trial record maps onto it.</summary>
/// <param name="Params">the values the trial ran (as the sampler drew them)</param>
/// <param name="Objectives">the objectives, all minimised (Objective.Minimised); null for a trial that
/// produced none (failed, or rejected as an invalid model), which samplers ignore</param>
/// <param name="Violation">the total constraint violation (Constraint.Total), 0 when feasible</param>
public sealed record Observation(int Number, IReadOnlyDictionary<string, object> Params, double[]? Objectives, double Violation);
