using System.Text;
using EMamba.Core;
using EMamba.Data;
using EMamba.Training.Modules;
using EMamba.Training.Checkpoints;
using EMamba.Training.Scan;

namespace EMamba.Training.Tests;

/// <summary>A checkpoint's 'normalizer' metadata must fit the model it feeds: once, a missing key or a
/// 1-channel normalizer on a 3-channel model ended in an IndexOutOfRangeException while batching, and a
/// NaN or zero std let eval report loss NaN with exit 0.</summary>
[Collection("torch")]
public sealed class CheckpointNormalizerTests
{
    private static readonly RunConfig Cifar = new()
    {
        Model = new ModelConfig { Task = TaskKind.Cifar10, InChannels = 3, Height = 32, Width = 32, Patch = 8, DModel = 8, DState = 4, NLayers = 1 },
    };

    private static string Saved(RunConfig cfg, Normalizer norm)
    {
        string p = Path.Combine(Directory.CreateTempSubdirectory().FullName, "m.safetensors");
        Checkpoint.Save(p, ModelLoader.Create(cfg.Model), cfg, norm);
        return p;
    }

    /// <summary>The same checkpoint with its metadata value <paramref name="key"/> replaced (removed when null).</summary>
    private static string WithNormalizer(string p, string? text)
    {
        var f = SafetensorsFile.Read(p);
        var meta = f.Metadata.ToDictionary();
        if (text is null) meta.Remove("normalizer"); else meta["normalizer"] = text;
        SafetensorsFile.Write(p, f.Tensors, meta);
        return p;
    }

    private static EMambaException Rejected(string p)
    {
        var e = Assert.ThrowsAny<EMambaException>(() => Checkpoint.Load(p));
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Contains(p, e.Message);
        Assert.Contains("normalizer", e.Message);
        return e;
    }

    [Fact]
    public void AValidNormalizerLoads()
    {
        var ck = Checkpoint.Load(Saved(Cifar, new Normalizer([0.5f, 0.4f, 0.3f], [0.2f, 0.2f, 0.25f])));
        Assert.Equal([0.5f, 0.4f, 0.3f], ck.Normalizer.Mean);
        var lm = new RunConfig { Model = new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, Vocab = 20, DModel = 8, DState = 4, NLayers = 1 } };
        Assert.Empty(Checkpoint.Load(Saved(lm, Normalizer.None)).Normalizer.Mean);
    }

    [Fact]
    public void OneFlippedBitInTheKeyIsAMissingNormalizer()
    {
        string p = Saved(Cifar, new Normalizer([0.5f, 0.4f, 0.3f], [0.2f, 0.2f, 0.25f]));
        var bytes = File.ReadAllBytes(p);
        int at = bytes.AsSpan().IndexOf(Encoding.UTF8.GetBytes("\"normalizer\""));
        Assert.True(at > 0);
        bytes[at + 10] ^= 0x01;                                        // "normalizer" -> "normalizes"
        File.WriteAllBytes(p, bytes);
        Assert.Contains("no 'normalizer'", Rejected(p).Message);
        Assert.Contains("no 'normalizer'", Rejected(WithNormalizer(Saved(Cifar, new Normalizer([0f, 0, 0], [1f, 1, 1])), null)).Message);
    }

    [Theory]
    [InlineData("0.5,0.25", "1 channel(s) but the model has 3")]
    [InlineData("0,1;0,1;0,1;0,1", "4 channel(s) but the model has 3")]
    [InlineData("", "0 channel(s) but the model has 3")]
    [InlineData("NaN,1;0,1;0,1", "mean NaN")]
    [InlineData("0,1;Infinity,1;0,1", "mean Infinity")]
    [InlineData("0,1;0,0;0,1", "std 0 must be finite and > 0")]
    [InlineData("0,1;0,1;0,-0.5", "std -0.5 must be")]
    [InlineData("0,NaN;0,1;0,1", "std NaN must be")]
    [InlineData("0,1;0,1;0,1e39", "must be finite")]                    // overflows float: infinity
    [InlineData("0,1;0,1;0", "bad normalizer")]
    [InlineData("0,x;0,1;0,1", "normalizer")]
    public void ANormalizerThatDoesNotFitTheModelIsRejectedOnLoad(string text, string fragment)
    {
        string p = WithNormalizer(Saved(Cifar, new Normalizer([0f, 0, 0], [1f, 1, 1])), text);
        Assert.Contains(fragment, Rejected(p).Message);
    }

    [Fact]
    public void ALanguageModelHasNoInputNormalization()
    {
        var lm = new RunConfig { Model = new ModelConfig { Task = TaskKind.Wikitext2, Head = Head.Lm, Vocab = 20, DModel = 8, DState = 4, NLayers = 1 } };
        string p = Saved(lm, new Normalizer([0f], [1f]));
        Assert.Contains("language model", Rejected(p).Message);
    }
}
