using System.Text.Json.Nodes;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Engine;
using EMamba.Engine.Quantize;
using EMamba.Engine.Stages;

namespace EMamba.Cli.Tests;

/// <summary>The integer flow through the command line on files in the real formats: a synthetic MARS
/// folder and a seeded random float checkpoint, then quantize, run and golden; and the bad inputs a
/// user can give them, each a clear message and a documented exit code.</summary>
[Collection("cli")] // Console.Error is captured; keep serial with the other CLI tests
public sealed class IntegerCliTests : IDisposable
{
    private static readonly ModelConfig TinyMars = new()
    {
        Task = TaskKind.Mars, Head = Head.Regress, InChannels = 5, Height = 8, Width = 8, Patch = 4,
        DModel = 8, Expand = 2, DState = 4, NLayers = 2, NumOutputs = 57,
    };

    private readonly string dir = Directory.CreateTempSubdirectory("emamba-int-cli-").FullName;
    private string Mars => Path.Combine(dir, "mars");
    private string Float => Path.Combine(dir, "float.safetensors");
    private string Q => Path.Combine(dir, "model.q.safetensors");

    public IntegerCliTests()
    {
        MarsSynthetic.WriteFolder(Mars, 120, 40, 40, seed: 3);
        RandomCheckpoint.Write(Float, TinyMars, seed: 5);
    }

    public void Dispose() => Directory.Delete(dir, recursive: true);

    private static (int Code, string Err) Run(params string[] args) => CliRun.WithStderr(args);

    private void Quantize(string method = "percentile", string? output = null) =>
        Assert.Equal((0, ""), Run("quantize", "--model", Float, "--data", Mars, "--calib", "24", "--method", method, "--out", output ?? Q));

    [Fact]
    public void RunGivesTheSameFiguresAtAnyBatchSizeAndRefusesAnAbsurdOne()
    {
        Quantize();
        var a = RunStage.Run(new RunStage.Request(Q, "test", Mars, 23, 2, CompareFloat: false));
        var b = RunStage.Run(new RunStage.Request(Q, "test", Mars, 23, 2, CompareFloat: false, BatchSize: 5));
        Assert.Equal(a.Figures, b.Figures);
        Assert.Equal(ExitCodes.Usage, Run("run", "--model", Q, "--data", Mars, "--batch-size", "0").Code);
        Assert.Equal(ExitCodes.Usage, Run("run", "--model", Q, "--data", Mars, "--batch-size", "1000000").Code);
    }

    // ------------------------------------------------------------ QAT

    [Fact]
    public void TrainQatWritesTheTemplateTheQatModelWithPinnedDomainsAndTheReport()
    {
        string run = Path.Combine(dir, "qat");
        var (code, err) = Run("train", "--qat", "--init-from", Float, "--data", Mars, "--calib", "24", "--epochs", "1", "--batch-size", "32",
            "--limit-test", "16", "--threads", "1", "--out", run);
        Assert.True(code == 0, err);
        var tpl = QuantFile.Read(Path.Combine(run, "ptq.q.safetensors"));
        var qat = QuantFile.Read(Path.Combine(run, "qat.q.safetensors"));
        Assert.Equal(Quantizer.CalibratedDomains(tpl), Quantizer.CalibratedDomains(qat));
        var cal = JsonNode.Parse(SafetensorsFile.Read(Path.Combine(run, "qat.q.safetensors")).Metadata["calibration"])!["boundaries"]!.AsArray();
        Assert.Equal("pinned", cal.First(b => b!["name"]!.GetValue<string>() == "blocks.0.h")!["method"]!.GetValue<string>());
        string report = File.ReadAllText(Path.Combine(run, "qat.md"));
        Assert.Contains("INT8 quantization-aware fine-tuned", report);
        Assert.Contains("INT8 post-training quantization", report);
        var log = TrainLog.FromJson(File.ReadAllText(Path.Combine(run, "log.json")), "log.json");
        Assert.Contains("int8_qat_mae_cm", log.Test.Keys);
        Assert.EndsWith("ptq.q.safetensors", log.Config.Train.Qat);
        // quantize --pin-from remakes the QAT model from its checkpoint and the template, tensor for tensor.
        string again = Path.Combine(dir, "again.q.safetensors");
        Assert.Equal(0, Run("quantize", "--model", Path.Combine(run, "best.safetensors"), "--pin-from", Path.Combine(run, "ptq.q.safetensors"),
            "--data", Mars, "--calib", "24", "--out", again).Code);
        var a = SafetensorsFile.Read(again); var b = SafetensorsFile.Read(Path.Combine(run, "qat.q.safetensors"));
        Assert.Equal(b.Tensors.Select(t => t.Name), a.Tensors.Select(t => t.Name));
        Assert.All(a.Tensors.Zip(b.Tensors), p => Assert.Equal(p.Second.Bytes, p.First.Bytes));
        // A second run into the same folder is refused before anything is rewritten; --resume finishes it again.
        Assert.Equal(ExitCodes.Usage, Run("train", "--qat", "--init-from", Float, "--data", Mars, "--out", run).Code);
        Assert.Equal(0, Run("train", "--qat", "--init-from", Float, "--data", Mars, "--calib", "24", "--epochs", "1", "--batch-size", "32",
            "--limit-test", "16", "--threads", "1", "--out", run, "--resume").Code);
    }

    [Fact]
    public void TrainQatNeedsAModelToStartFromAndItsOptionsNeedQat()
    {
        var (code, err) = Run("train", "--qat", "--config", "mars-paper", "--data", Mars, "--out", Path.Combine(dir, "q1"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--init-from", err);
        (code, err) = Run("train", "--config", "mars-paper", "--calib", "10", "--data", Mars, "--out", Path.Combine(dir, "q2"));
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("belong to --qat", err);
    }

    // ------------------------------------------------------------ the flow

    [Theory]
    [InlineData("max")]
    [InlineData("percentile")]
    [InlineData("mse")]
    public void QuantizeWithEachMethodWritesAFileTheEngineRuns(string method)
    {
        Quantize(method);
        var m = QuantFile.Read(Q);
        Assert.Equal(TinyMars.DModel, m.Config.DModel);
        var cal = JsonNode.Parse(SafetensorsFile.Read(Q).Metadata["calibration"])!;
        Assert.Equal(method, cal["method"]!.GetValue<string>());
        Assert.Equal(0, Run("run", "--model", Q, "--data", Mars, "--limit-test", "10", "--threads", "1").Code);
    }

    [Fact]
    public void RunGivesAFiniteMetricWithAndWithoutDivergence()
    {
        Quantize();
        Assert.Equal(0, Run("run", "--model", Q, "--data", Mars, "--threads", "1").Code);
        Assert.Equal(0, Run("run", "--model", Q, "--data", Mars, "--limit-test", "12", "--divergence", "4", "--threads", "1").Code);
        Assert.Equal(0, Run("run", "--model", Q, "--data", Mars, "--split", "val", "--no-float", "--threads", "1").Code);
        var r = RunStage.Run(new RunStage.Request(Q, "test", Mars, 12, 1, Divergence: 4));
        Assert.Equal("mae_cm", r.MetricName);
        Assert.True(double.IsFinite(r.Metric) && r.Metric > 0, $"integer MAE {r.Metric}");
        Assert.True(r.FloatMetric is double f && double.IsFinite(f), "the float reference's figure is there");
        Assert.NotNull(r.Divergence);
        Assert.NotEmpty(r.Divergence!);
        Assert.All(r.Divergence!, row => Assert.True(double.IsFinite(row.RelRms), row.Name));
    }

    [Fact]
    public void GoldenWritesEveryTensorAsHexThatDecodesToTheReference()
    {
        Quantize();
        string g = Path.Combine(dir, "golden");
        Assert.Equal((0, ""), Run("golden", "--model", Q, "--count", "3", "--out", g, "--data", Mars));
        var man = JsonNode.Parse(File.ReadAllText(Path.Combine(g, "manifest.json")))!;
        Assert.Equal(GoldenStage.FormatTag, man["format"]!.GetValue<string>());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Q))), man["model"]!["sha256"]!.GetValue<string>());
        Assert.Equal(3, man["samples"]!.AsArray().Count);
        var tensors = man["tensors"]!.AsArray();
        Assert.Equal(["input", "x0", "blocks.0.n"], tensors.Take(3).Select(t => t!["name"]!.GetValue<string>()));
        Assert.Equal("out", tensors[^1]!["name"]!.GetValue<string>());
        Assert.DoesNotContain(Directory.GetDirectories(dir), d => d.Contains(".tmp-", StringComparison.Ordinal));

        // Sample 1's files decode to the reference's own trace, value for value.
        var m = QuantFile.Read(Q);
        var ds = TaskData.Split(new RunConfig { Model = m.Config }, Mars, "test");
        var codes = Samples.Codes(Samples.Normalised(ds, 1, Normalizer.Parse(m.Normalizer, m.Config.InChannels)), m.Input);
        var trace = Trace.Of(m, codes);
        foreach (var t in tensors)
        {
            string name = t!["name"]!.GetValue<string>();
            var dn = t["domain"]!;
            var d = new Domain(dn["frac"]!.GetValue<int>(), dn["bits"]!.GetValue<int>(), !dn["signed"]!.GetValue<bool>());
            var lines = File.ReadAllLines(Path.Combine(g, "sample_0001", t["file"]!.GetValue<string>()));
            Assert.Equal(t["values"]!.GetValue<long>(), lines.Length);
            Assert.All(lines, l => Assert.Equal(t["digits"]!.GetValue<int>(), l.Length));
            Assert.Equal(trace.Where(e => e.Name == name).SelectMany(e => e.Codes), lines.Select(l => GoldenStage.ParseHex(l, d)));
        }
        Assert.Equal(Reference.Run(m, codes), File.ReadAllLines(Path.Combine(g, "sample_0001", "out.hex")).Select(l => GoldenStage.ParseHex(l, m.Output)));
    }

    [Fact]
    public void GoldenRefusesToOverwriteWithoutForceAndBoundsTheCount()
    {
        Quantize();
        string g = Path.Combine(dir, "golden");
        Assert.Equal(0, Run("golden", "--model", Q, "--count", "1", "--out", g, "--data", Mars).Code);
        var (code, err) = Run("golden", "--model", Q, "--count", "2", "--out", g, "--data", Mars);
        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("--force", err);
        Assert.Single(Directory.GetDirectories(g));
        Assert.Equal(0, Run("golden", "--model", Q, "--count", "2", "--out", g, "--data", Mars, "--force").Code);
        Assert.Equal(2, Directory.GetDirectories(g).Length);
        foreach (var n in new[] { "0", "-3", "10001", "2000000000" })
            Assert.Equal(ExitCodes.Usage, Run("golden", "--model", Q, "--count", n, "--out", Path.Combine(dir, "g" + n), "--data", Mars).Code);
        // --force never replaces a folder that is not golden output.
        string other = Path.Combine(dir, "precious");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "notes.txt"), "keep");
        Assert.Equal(ExitCodes.Usage, Run("golden", "--model", Q, "--count", "1", "--out", other, "--data", Mars, "--force").Code);
        Assert.True(File.Exists(Path.Combine(other, "notes.txt")));
        // A count larger than the split writes the whole split.
        Assert.Equal(0, Run("golden", "--model", Q, "--count", "500", "--out", Path.Combine(dir, "all"), "--data", Mars).Code);
        Assert.Equal(40, Directory.GetDirectories(Path.Combine(dir, "all")).Length);
    }

    // ------------------------------------------------------------ bad input

    [Fact]
    public void AMissingModelFileIsBadInputForEveryCommand()
    {
        string none = Path.Combine(dir, "none.q.safetensors");
        foreach (var args in new[]
                 {
                     new[] { "run", "--model", none, "--data", Mars },
                     ["golden", "--model", none, "--count", "1", "--out", Path.Combine(dir, "g"), "--data", Mars],
                     ["quantize", "--model", none, "--data", Mars, "--out", Q],
                 })
        {
            var (code, err) = Run(args);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains(none, err);
        }
        Assert.False(Directory.Exists(Path.Combine(dir, "g")));
    }

    [Fact]
    public void AFloatCheckpointGivenToRunOrGoldenSaysToQuantizeIt()
    {
        foreach (var args in new[] { new[] { "run", "--model", Float, "--data", Mars }, ["golden", "--model", Float, "--count", "1", "--out", Path.Combine(dir, "g"), "--data", Mars] })
        {
            var (code, err) = Run(args);
            Assert.Equal(ExitCodes.BadInput, code);
            Assert.Contains("emamba quantize", err);
        }
    }

    [Fact]
    public void CalibrationCountsOutOfRangeAreUsageErrors()
    {
        foreach (var n in new[] { "0", "-1", "100001", "2000000000" })
        {
            var (code, err) = Run("quantize", "--model", Float, "--data", Mars, "--calib", n, "--out", Q);
            Assert.Equal(ExitCodes.Usage, code);
            Assert.Contains("--calib", err);
        }
        Assert.False(File.Exists(Q));
    }

    [Fact]
    public void AnExactMambaCheckpointIsRefusedByQuantizeWithTheReason()
    {
        // The same checkpoint relabelled as exact Mamba (RMS norm): the integer semantics do not cover it.
        var f = SafetensorsFile.Read(Float);
        var meta = f.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        var cfg = JsonNode.Parse(meta["config"])!;
        cfg["model"]!["norm"] = "rms";
        cfg["model"]!.AsObject().Remove("range_init");
        meta["config"] = cfg.ToJsonString();
        string rms = Path.Combine(dir, "rms.safetensors");
        SafetensorsFile.Write(rms, f.Tensors, meta);
        var (code, err) = Run("quantize", "--model", rms, "--data", Mars, "--out", Q);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains("not an eMamba model", err);
        Assert.Contains("norm 'rms'", err);
        Assert.False(File.Exists(Q));
    }

    [Fact]
    public void AMissingDataSetIsBadInput()
    {
        string none = Path.Combine(dir, "no-such-data");
        var (code, err) = Run("quantize", "--model", Float, "--data", none, "--out", Q);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.Contains(none, err);
        Quantize();
        Assert.Equal(ExitCodes.BadInput, Run("run", "--model", Q, "--data", none).Code);
        string g = Path.Combine(dir, "g");
        Assert.Equal(ExitCodes.BadInput, Run("golden", "--model", Q, "--count", "2", "--out", g, "--data", none).Code);
        Assert.False(Directory.Exists(g));
    }

    [Fact]
    public void ABadSplitIsAUsageError()
    {
        Quantize();
        Assert.Equal(ExitCodes.Usage, Run("golden", "--model", Q, "--count", "1", "--out", Path.Combine(dir, "g"), "--data", Mars, "--split", "everything").Code);
    }
}
