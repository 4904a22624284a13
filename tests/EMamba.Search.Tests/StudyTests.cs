using EMamba.Core;
using EMamba.Search.Runner;
using EMamba.Search.Space;
using EMamba.Search.Storage;

namespace EMamba.Search.Tests;

/// <summary>The study glue: what it stores, what the sampler sees, and what it refuses.</summary>
public sealed class StudyTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-study-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private string SpaceFile(string objectives = """["metric_int8", "params"]""", string constraints = """{ "max_params": 9000 }""")
    {
        string path = Path.Combine(dir, "space.json");
        File.WriteAllText(path, $$"""
            { "base_config": "mars-paper", "architecture": { "d_model": { "choices": [12, 16] } },
              "objectives": {{objectives}}, "constraints": {{constraints}}, "budget": { "trials": 4, "seed": 3 } }
            """);
        return path;
    }

    [Fact]
    public void ObservationsAreFinishedTrialsByNumberMinimisedWithPrunedOnesAndFailedWithout()
    {
        using var st = StudyStorage.Open(Path.Combine(dir, "s.db"));
        var s = Study.Create(st, "s", SpaceFile(), null, seed: 5, dir);
        Assert.Equal(5, s.Info.Seed);
        TrialParams P(int d) => TrialParams.Parse($$"""{"d_model": {{d}}}""");
        for (int i = 0; i < 4; i++) st.CreateRunning("s", P(i % 2 == 0 ? 12 : 16), "w");
        st.Finish("s", 3, TrialState.Complete, [6.5, 8000]);
        st.Finish("s", 1, TrialState.Pruned, [9.0, 12000]);
        st.Finish("s", 0, TrialState.Failed, message: "worker w died: no heartbeat since then");
        var obs = s.Observations(st.Trials("s"));
        Assert.Equal([0, 1, 3], obs.Select(o => o.Number));
        Assert.Null(obs[0].Objectives);
        Assert.Equal([9.0, 12000], obs[1].Objectives!);
        Assert.True(obs[1].Violation > 0);   // 12,000 recomputed-or-stored params against max 9,000
        Assert.Equal(0, obs[2].Violation);
        Assert.True(Study.Retryable(st.Trial("s", 0)!));
        var retry = st.Retry("s", 0);
        Assert.Equal(0, Study.Root(retry, st.Trials("s")));
        Assert.Equal(s.TrainingSeed(0), s.TrainingSeed(Study.Root(retry, st.Trials("s"))));
        // The stored space needs no file: a report or a resume loads it.
        File.Delete(SpaceFile());
        Assert.Equal(s.Space.ToSelfContainedJson(), Study.Load(st, "s", dir).Space.ToSelfContainedJson());
    }

    /// <summary>A stored study holds its base and accelerator configs themselves, not their paths: it loads after
    /// both files are gone (another machine, a removed checkout) and means the same.</summary>
    [Fact]
    public void AStoredStudyOutlivesTheConfigFilesItWasMadeFrom()
    {
        string baseFile = Path.Combine(dir, "base.json"), accelFile = Path.Combine(dir, "acc.json"), space = Path.Combine(dir, "space-files.json");
        File.WriteAllText(baseFile, Presets.All["mars-paper"].ToJson());
        File.WriteAllText(accelFile, """{ "linear_lanes": 3, "norm_reciprocal": "divider" }""");
        File.WriteAllText(space, """{ "base_config": "base.json", "accelerator": "acc.json", "architecture": { "d_model": { "choices": [12, 16] } } }""");
        using var st = StudyStorage.Open(Path.Combine(dir, "s.db"));
        var made = Study.Create(st, "f", space, null, null, dir).Space;
        foreach (var f in new[] { baseFile, accelFile, space }) File.Delete(f);
        var loaded = Study.Load(st, "f", dir).Space;
        Assert.Equal(made.Base.ToJson(), loaded.Base.ToJson());
        Assert.Equal(made.Hardware, loaded.Hardware);
        Assert.Equal((3, EMamba.Hardware.NormReciprocal.Divider), (loaded.Hardware.LinearLanes, loaded.Hardware.NormReciprocal));
        Assert.Equal(SearchSpace.Inline, loaded.BaseConfig);
    }

    [Fact]
    public void ConstraintsOnUnstoredQuantitiesAreRefusedAndAreaIsAnObjective()
    {
        using var st = StudyStorage.Open(Path.Combine(dir, "s.db"));
        var e = Assert.Throws<ConfigException>(() => Study.Create(st, "a", SpaceFile(constraints: """{ "max_area": 0.5 }"""), null, null, dir));
        Assert.Contains("constraint max_area: area must also be an objective", e.Message);
        var s = Study.Create(st, "b", SpaceFile("""["metric_int8", "area"]""", """{ "max_area": 0.5 }"""), null, null, dir);
        Assert.True(s.Space.MeasuresArea);
        Assert.Contains("no study 'zzz'", Assert.Throws<EMambaException>(() => Study.Load(st, "zzz", dir)).Message);
    }
}
