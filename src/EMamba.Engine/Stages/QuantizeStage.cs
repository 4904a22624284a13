using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Data.Checkpoints;
using EMamba.Engine.Quantize;

namespace EMamba.Engine.Stages;

/// <summary>Post-training quantization of a float eMamba checkpoint (docs/integer.md §2): calibrate
/// on the first N training samples in the float world, choose every boundary's scale, write the
/// emamba-int/1 file. Needs no libtorch.</summary>
public static class QuantizeStage
{
    /// <param name="Precision">a precision JSON file (null: the defaults, with <paramref name="Method"/>)</param>
    public sealed record Request(string Model, string? Approx, string? Data, int Calib, CalibMethod Method, string? Precision,
        string Out, string Command, IStageObserver? Observer = null, int LmTokens = 256);

    /// <param name="Choices">every boundary's domain and how it was chosen</param>
    /// <param name="FloatBytes">4 bytes per float parameter</param>
    /// <param name="Size">the integer model's device footprint (<see cref="ModelSize"/>)</param>
    public sealed record Result(string Out, IReadOnlyList<Quantizer.Choice> Choices, long FloatBytes, ModelSize.Bytes Size, long FileBytes, int CalibSamples, double Seconds);

    /// <summary>Largest calibration set accepted (samples, or LM sequences).</summary>
    public const int MaxCalib = 100_000;

    public static Result Run(Request q, CancellationToken ct = default)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        if (q.Calib < 1 || q.Calib > MaxCalib) throw new EMambaException($"--calib {q.Calib} must be in 1..{MaxCalib}", ExitCodes.Usage);
        var sw = Stopwatch.StartNew();
        var ck = FloatCheckpoint.Read(q.Model);
        var approx = q.Approx is null ? null : ApproxFile.Load(q.Approx);
        var fm = new FloatModel(ck, approx);
        var prec = q.Precision is null ? new Precision { Method = q.Method } : Precision.Load(q.Precision);
        Calibration cal;
        int n;
        if (fm.Config.Head == Head.Lm)
        {
            var corpus = TaskData.Corpus(ck.Config, q.Data);
            var tokens = corpus.Train;
            int len = Math.Min(q.LmTokens, tokens.Length);
            n = Math.Min(q.Calib, Math.Max(1, tokens.Length / len));
            obs.Info($"calibrating on {n} training sequences of {len} tokens");
            cal = Calibration.RunLm(fm, Enumerable.Range(0, n).Select(i => { ct.ThrowIfCancellationRequested(); return tokens.AsSpan(i * len, len).ToArray(); }));
        }
        else
        {
            var train = TaskData.Load(ck.Config.Model, q.Data, "train");
            n = Math.Min(q.Calib, train.Count);
            obs.Info($"calibrating on the first {n:N0} training samples of {train.Source}");
            cal = Calibration.Run(fm, Enumerable.Range(0, n).Select(i => { ct.ThrowIfCancellationRequested(); return Samples.Normalised(train, i, ck.Normalizer); }));
        }
        var model = Quantizer.Run(fm, cal, prec, ck.Normalizer.Serialize(), out var choices);
        var calJson = new JsonObject
        {
            ["samples"] = n,
            ["method"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(prec.Method.ToString()),
            ["boundaries"] = new JsonArray([.. choices.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name, ["domain"] = c.Domain.ToString(), ["method"] = c.Note is null ? c.Method.ToString().ToLowerInvariant() : "fixed",
                ["max_abs"] = c.MaxAbs, ["mse"] = c.SquaredError, ["clipped"] = c.Clipped, ["note"] = c.Note,
                ["mse_by_method"] = new JsonObject([.. c.ErrorBy.Select(kv => KeyValuePair.Create(kv.Key.ToString().ToLowerInvariant(), (JsonNode?)kv.Value))]),
            })]),
        };
        var source = new JsonObject { ["model"] = q.Model, ["approx"] = q.Approx, ["command"] = q.Command }.ToJsonString();
        QuantFile.Write(q.Out, model, prec.ToJson(), calJson.ToJsonString(), source);
        long floatParams = ck.File.Tensors.Where(t => t.DType.IsFloatingPoint()).Sum(t => t.ElementCount);
        return new Result(q.Out, choices, 4 * floatParams, ModelSize.Of(model), new FileInfo(q.Out).Length, n, sw.Elapsed.TotalSeconds);
    }
}
