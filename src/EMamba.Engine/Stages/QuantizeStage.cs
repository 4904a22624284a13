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
    /// <param name="PinFrom">a quantized file whose precision and calibrated domains are kept (a QAT run's template); calibration then only fills the report</param>
    public sealed record Request(string Model, string? Approx, string? Data, int Calib, CalibMethod Method, string? Precision,
        string Out, string Command, IStageObserver? Observer = null, int LmTokens = 256, string? PinFrom = null);

    /// <param name="Choices">every boundary's domain and how it was chosen</param>
    /// <param name="FloatBytes">4 bytes per float parameter</param>
    /// <param name="Size">the integer model's device footprint (<see cref="ModelSize"/>)</param>
    public sealed record Result(string Out, IReadOnlyList<Quantizer.Choice> Choices, long FloatBytes, ModelSize.Bytes Size, long FileBytes, int CalibSamples, double Seconds);

    /// <summary>Largest calibration set accepted (samples, or LM sequences).</summary>
    public const int MaxCalib = 100_000;

    /// <summary>Calibration statistics of the float model on the first <paramref name="calib"/> training
    /// samples (language models: that many consecutive training sequences of <paramref name="lmTokens"/>
    /// tokens, each streamed from a fresh state), and how many it used. The statistics do not depend on
    /// the precision, so one calibration serves every width and method (the sweep).</summary>
    public static (Calibration Cal, int Samples) Calibrate(FloatCheckpoint ck, FloatModel fm, string? data, int calib, int lmTokens,
        IStageObserver obs, CancellationToken ct)
    {
        if (fm.Config.Head == Head.Lm)
        {
            var corpus = TaskData.Corpus(ck.Config, data);
            if (corpus.Vocab.Count != fm.Config.Vocab)
                throw new EMambaException($"{ck.Path}: its vocabulary has {fm.Config.Vocab:N0} words, the corpus at {data ?? WikiText.DefaultDir} {corpus.Vocab.Count:N0}; calibrate on the corpus it was trained on", ExitCodes.BadInput);
            var tokens = corpus.Train;
            if (tokens.Length < 2 || lmTokens < 2) throw new EMambaException($"{data ?? WikiText.DefaultDir}: calibration needs training sequences of 2 tokens or more", ExitCodes.BadInput);
            int len = Math.Min(lmTokens, tokens.Length);
            int n = Math.Min(calib, tokens.Length / len);
            obs.Info($"calibrating on {n} training sequences of {len} tokens");
            return (Calibration.RunLm(fm, Enumerable.Range(0, n).Select(i => { ct.ThrowIfCancellationRequested(); return tokens.AsSpan(i * len, len).ToArray(); })), n);
        }
        var train = TaskData.Load(ck.Config.Model, data, "train");
        int m = Math.Min(calib, train.Count);
        obs.Info($"calibrating on the first {m:N0} training samples of {train.Source}");
        return (Calibration.Run(fm, Enumerable.Range(0, m).Select(i => { ct.ThrowIfCancellationRequested(); return Samples.Normalised(train, i, ck.Normalizer); })), m);
    }

    public static Result Run(Request q, CancellationToken ct = default)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        if (q.Calib < 1 || q.Calib > MaxCalib) throw new EMambaException($"--calib {q.Calib} must be in 1..{MaxCalib}", ExitCodes.Usage);
        var sw = Stopwatch.StartNew();
        var ck = FloatCheckpoint.Read(q.Model);
        var approx = q.Approx is null ? null : ApproxFile.Load(q.Approx);
        var fm = new FloatModel(ck, approx);
        var prec = q.Precision is null ? new Precision { Method = q.Method } : Precision.Load(q.Precision);
        Dictionary<string, Domain>? pinned = null;
        if (q.PinFrom != null)
        {
            if (q.Precision != null) throw new EMambaException("a pinned quantization takes the precision of the file it pins from; do not pass a precision too", ExitCodes.Usage);
            var pin = QuantFile.Load(q.PinFrom);
            prec = Precision.Parse(pin.Metadata.TryGetValue("precision", out var pj) ? pj : throw new EMambaException($"{q.PinFrom}: its metadata has no precision", ExitCodes.BadInput), q.PinFrom);
            pinned = Quantizer.CalibratedDomains(pin.Model);
        }
        var (cal, n) = Calibrate(ck, fm, q.Data, q.Calib, q.LmTokens, obs, ct);
        var model = Quantizer.Run(fm, cal, prec, ck.Normalizer.Serialize(), out var choices, pinned);
        var calJson = new JsonObject
        {
            ["samples"] = n,
            ["method"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(prec.Method.ToString()),
            ["boundaries"] = new JsonArray([.. choices.Select(c => (JsonNode)new JsonObject
            {
                ["name"] = c.Name, ["domain"] = c.Domain.ToString(), ["method"] = c.Note is null ? c.Method.ToString().ToLowerInvariant() : c.Note == Quantizer.PinnedNote ? "pinned" : "fixed",
                ["max_abs"] = c.MaxAbs, ["mse"] = c.SquaredError, ["clipped"] = c.Clipped, ["note"] = c.Note,
                ["mse_by_method"] = new JsonObject([.. c.ErrorBy.Select(kv => KeyValuePair.Create(kv.Key.ToString().ToLowerInvariant(), (JsonNode?)kv.Value))]),
            })]),
        };
        var source = new JsonObject { ["model"] = q.Model, ["approx"] = q.Approx, ["command"] = q.Command, ["pinned_from"] = q.PinFrom }.ToJsonString();
        QuantFile.Write(q.Out, model, prec.ToJson(), calJson.ToJsonString(), source);
        long floatParams = ck.File.Tensors.Where(t => t.DType.IsFloatingPoint()).Sum(t => t.ElementCount);
        return new Result(q.Out, choices, 4 * floatParams, ModelSize.Of(model), new FileInfo(q.Out).Length, n, sw.Elapsed.TotalSeconds);
    }
}
