using EMamba.Core;
using EMamba.Search.Samplers;
using EMamba.Search.Space;
using EMamba.Search.Storage;
using StoredObjective = EMamba.Search.Storage.Objective;
using SpaceObjective = EMamba.Search.Space.Objective;

namespace EMamba.Search.Runner;

/// <summary>A search as Optuna keeps one: thin, its state in the storage. It pairs the stored definition with
/// the search space it was made from (stored in the study, with its base and accelerator configs written out, so a
/// report or a resume needs no space file), and turns the stored trials into what the sampler and ASHA read.</summary>
public sealed class Study
{
    public IStudyStorage Storage { get; }
    public StudyInfo Info { get; }
    public SearchSpace Space { get; }
    public ISampler Sampler { get; }
    /// <summary>Where trial folders live (checkpoints, tables, the quantized model): <c>Dir/trials/NNNN</c>.</summary>
    public string Dir { get; }
    public string Name => Info.Name;

    private Study(IStudyStorage storage, StudyInfo info, SearchSpace space, string dir)
    {
        Storage = storage; Info = info; Space = space; Dir = dir;
        Sampler = SamplerFactory.For(space);
    }

    /// <summary>Creates the study from a space file, or loads it when it exists with the same definition (a resume).
    /// <paramref name="sampler"/> and <paramref name="seed"/> override the space's (a random-search baseline).</summary>
    public static Study Create(IStudyStorage storage, string name, string spaceFile, SamplerKind? sampler, int? seed, string dir)
    {
        var space = SearchSpace.Load(spaceFile);
        var s = space with
        {
            Sampler = space.Sampler with { Kind = sampler ?? space.Sampler.Kind },
            Budget = space.Budget with { Seed = seed ?? space.Budget.Seed },
        };
        Check(s, name);
        var objectives = s.Objectives.Select(o => new StoredObjective(SpaceObjective.Name(o.Kind),
            o.Direction == Direction.Maximize ? ObjectiveDirection.Maximize : ObjectiveDirection.Minimize)).ToList();
        var info = storage.CreateOrLoadStudy(StudyInfo.Define(name, objectives, s.ToSelfContainedJson(), s.Budget.Seed));
        return new Study(storage, info, s, dir);
    }

    /// <summary>A study as stored (for --resume without a space file, and for the report).</summary>
    public static Study Load(IStudyStorage storage, string name, string dir)
    {
        var info = storage.LoadStudy(name) ?? throw new EMambaException(
            $"{storage.Location}: no study '{name}'" + (storage.Studies() is { Count: > 0 } all ? $" (studies: {string.Join(", ", all.Select(x => x.Name))})" : " (it holds none)"),
            ExitCodes.BadInput);
        var space = SearchSpace.Parse(info.Space, $"study '{name}' in {storage.Location}", Environment.CurrentDirectory);
        return new Study(storage, info, space, dir);
    }


    /// <summary>A constraint is checked on the stored objectives (parameters are recomputed), so it must name one of
    /// them or params.</summary>
    private static void Check(SearchSpace s, string name)
    {
        var problems = new List<string>();
        foreach (var c in s.Constraints.Where(c => c.Kind != ObjectiveKind.Params && s.Objectives.All(o => o.Kind != c.Kind)))
            problems.Add($"constraint {c.Key}: {SpaceObjective.Name(c.Kind)} must also be an objective (a trial stores only its objectives)");
        if (problems.Count > 0) throw new ConfigException($"study '{name}'", problems);
    }

    public int Seed => Space.Budget.Seed;

    /// <summary>The training seed of a trial: a function of the study seed and the number of the trial it
    /// repeats first (its root), so a retried trial trains as the original would have.</summary>
    public int TrainingSeed(int root) => SeedMix.Of(Seed, root, 0x7481);

    /// <summary>The first trial of a retry chain (RetryOf followed back).</summary>
    public static int Root(Trial t, IReadOnlyList<Trial> all)
    {
        var byNumber = all.ToDictionary(x => x.Number);
        while (t.RetryOf is int r && byNumber.TryGetValue(r, out var up)) t = up;
        return t.Number;
    }

    public string TrialDir(int root) => Path.Combine(Dir, "trials", root.ToString("D4", System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>A trial's values as the space types them.</summary>
    public static IReadOnlyDictionary<string, object> Values(Trial t) => ParamJson.Read(t.Params.ToJson(), $"trial {t.Number} of '{t.Study}'");

    /// <summary>The sampler's view of the finished trials, by number: Complete and Pruned with their objectives
    /// minimised (a pruned one carries its hardware figures and the metric at the rung where it stopped),
    /// Failed without.</summary>
    public IReadOnlyList<Observation> Observations(IReadOnlyList<Trial> trials) =>
        [.. trials.Where(t => t.State.IsFinished()).OrderBy(t => t.Number).Select(t =>
        {
            var values = Values(t);
            if (t.Values is null) return new Observation(t.Number, values, null, 0);
            return new Observation(t.Number, values, [.. Space.Objectives.Select((o, i) => o.Minimised(t.Values[i]))], Violation(t, values));
        })];

    /// <summary>Constraint.Total on a finished trial's objectives and its recomputed parameter count.</summary>
    public double Violation(Trial t, IReadOnlyDictionary<string, object> values)
    {
        var measured = new Dictionary<ObjectiveKind, double>();
        if (t.Values != null) for (int i = 0; i < Space.Objectives.Count; i++) measured[Space.Objectives[i].Kind] = t.Values[i];
        if (Space.Apply(new Candidate(values)).Config is { } c) measured.TryAdd(ObjectiveKind.Params, c.Parameters);
        return Constraint.Total(Space.Constraints, measured);
    }

    /// <summary>A trial failed because its worker died or stopped (not because of what it ran): retried once.</summary>
    public static bool Retryable(Trial t) => t.State == TrialState.Failed && t.Message is { } m && m.StartsWith("worker ", StringComparison.Ordinal);

    /// <summary>How the task metric is minimised (accuracy negated), for ASHA.</summary>
    public SpaceObjective Metric => new(ObjectiveKind.MetricInt8, SpaceObjective.Implied(ObjectiveKind.MetricInt8, Space.Base.Model.Task));
}
