using System.Text.Json;
using EMamba.Core;

namespace EMamba.Core;

/// <summary>One epoch of training as logged to <c>log.json</c>.</summary>
public sealed record EpochRecord(int Epoch, long Step, double Lr, double TrainLoss, double TrainMetric,
    double ValLoss, double ValMetric, double EpochSeconds, double SamplesPerSecond);

/// <summary>The JSON log of a run: config, per-epoch records, the selected epoch and final test figures.</summary>
public sealed record TrainLog
{
    public required RunConfig Config { get; init; }
    public required string MetricName { get; init; }
    public required bool HigherIsBetter { get; init; }
    public long Parameters { get; init; }
    public int TrainSamples { get; init; }
    public int ValSamples { get; init; }
    /// <summary>The warm-up the run used: train.warmup_steps capped at 10 % of its optimiser steps
    /// (<see cref="Optim.CosineSchedule.EffectiveWarmup"/>); null in logs written before the cap.</summary>
    public long? WarmupSteps { get; init; }
    /// <summary>Where the splits came from (written by the CLI; MARS states its training subset here).</summary>
    public string? Protocol { get; set; }
    public List<EpochRecord> Epochs { get; init; } = [];
    public int BestEpoch { get; set; } = -1;
    public double BestValMetric { get; set; } = double.NaN;
    public double TotalTrainSeconds { get; set; }
    public Dictionary<string, double> Test { get; init; } = [];

    public string ToJson() => JsonSerializer.Serialize(this, RunConfig.Json);

    public static TrainLog FromJson(string json, string source)
    {
        TrainLog log;
        try { log = JsonSerializer.Deserialize<TrainLog>(json, RunConfig.Json) ?? throw new JsonException("null"); }
        catch (JsonException e) { throw new EMambaException($"{source}: training log is malformed: {e.Message}"); }
        // A switch name the config enums do not know (hand-edited log) would otherwise travel on as an undefined value.
        if (log.Config?.Model?.UndefinedSwitches(RunConfig.SwitchTexts(json, "config", "model")).Select(p => "config.model." + p).ToList() is { Count: > 0 } bad)
            throw new EMambaException($"{source}: training log is malformed: {string.Join("; ", bad)}");
        return log;
    }
}
