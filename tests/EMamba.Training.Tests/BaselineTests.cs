using EMamba.Core;
using EMamba.Training.Modules;
using EMamba.Training.Modules.Baselines;
using TorchSharp;
using static TorchSharp.torch;
using EMamba.Data;
using EMamba.Training.Checkpoints;
using EMamba.Training.Eval;
using EMamba.Training.Scan;
using EMamba.Core.Checkpoints;

namespace EMamba.Training.Tests;

/// <summary>The CNN, ViT and transformer-LM baselines: shapes on the three vision/radar geometries,
/// parameter counts against written-out formulas, causal masking, permutation equivariance of
/// unmasked attention, that one SGD step lowers the loss, and the CNN's convolution against a loop
/// reference.</summary>
[Collection("torch")]
public sealed class BaselineTests
{
    private static readonly ModelConfig Fmnist = new() { Task = TaskKind.Fmnist, InChannels = 1, Height = 28, Width = 28, Patch = 4, NumOutputs = 10 };
    private static readonly ModelConfig Cifar = new() { Task = TaskKind.Cifar10, InChannels = 3, Height = 32, Width = 32, Patch = 4, NumOutputs = 10 };
    private static readonly ModelConfig Mars = new() { Task = TaskKind.Mars, InChannels = 5, Height = 8, Width = 8, Patch = 2, Head = Head.Regress, NumOutputs = 57 };

    private static ModelConfig Lm(int vocab = 50) => new()
    {
        Task = TaskKind.Wikitext2, Arch = Arch.Transformer, Head = Head.Lm, Vocab = vocab, DModel = 8, Heads = 2, MlpRatio = 2, NLayers = 1,
    };

    private static float MaxAbsDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    public static TheoryData<TaskKind> Geometries => [TaskKind.Fmnist, TaskKind.Cifar10, TaskKind.Mars];

    private static ModelConfig Geometry(TaskKind task) => task switch { TaskKind.Fmnist => Fmnist, TaskKind.Cifar10 => Cifar, _ => Mars };

    [Theory]
    [MemberData(nameof(Geometries))]
    public void VisionBaselinesGiveOneRowOfOutputsPerSample(TaskKind task)
    {
        var g = Geometry(task);
        manual_seed(1);
        using var x = randn(3, g.InChannels, g.Height, g.Width);
        foreach (var arch in new[] { Arch.Cnn, Arch.Vit })
        {
            var m = ModelLoader.Create(g with { Arch = arch, DModel = 8, Heads = 2, NLayers = 3 });
            Assert.Equal([3L, g.NumOutputs], m.forward(x).shape);
        }
    }

    [Fact]
    public void CnnStopsPoolingAtTwoByTwo()
    {
        // 8x8 MARS frames: 8 -> 4 -> 2, then no more pools however many stages; 28x28: 28 -> 14 -> 7 -> 3.
        Assert.Equal(2, new CnnModel(Mars with { Arch = Arch.Cnn, DModel = 2, NLayers = 4 }).PoolCount);
        Assert.Equal(3, new CnnModel(Fmnist with { Arch = Arch.Cnn, DModel = 2, NLayers = 4 }).PoolCount);
        Assert.Equal(0, new CnnModel(Fmnist with { Arch = Arch.Cnn, DModel = 2, NLayers = 1 }).PoolCount);
    }

    /// <summary>A 3x3 "same" convolution, its input gradient and its weight gradient by plain loops in
    /// double precision: an independent reference for <see cref="Conv3x3"/>. x: (B, C, H, W),
    /// w: (O, C, 3, 3), g = dL/dy: (B, O, H, W); all row-major.</summary>
    private static (double[] y, double[] gx, double[] gw) NaiveConv(float[] x, float[] w, float[] g, int b, int c, int o, int h, int wd)
    {
        var (y, gx, gw) = (new double[b * o * h * wd], new double[x.Length], new double[w.Length]);
        for (int n = 0; n < b; n++) for (int k = 0; k < o; k++) for (int r = 0; r < h; r++) for (int q = 0; q < wd; q++)
        {
            int yi = ((n * o + k) * h + r) * wd + q;
            for (int ch = 0; ch < c; ch++) for (int i = 0; i < 3; i++) for (int j = 0; j < 3; j++)
            {
                int rr = r + i - 1, qq = q + j - 1;
                if (rr < 0 || rr >= h || qq < 0 || qq >= wd) continue;   // zero padding
                int xi = ((n * c + ch) * h + rr) * wd + qq, wi = ((k * c + ch) * 3 + i) * 3 + j;
                y[yi] += (double)x[xi] * w[wi];
                gx[xi] += (double)g[yi] * w[wi];
                gw[wi] += (double)g[yi] * x[xi];
            }
        }
        return (y, gx, gw);
    }

    private static double MaxAbsDiff(Tensor a, double[] reference)
    {
        var v = a.contiguous().data<float>().ToArray();
        Assert.Equal(reference.Length, v.Length);
        double m = 0;
        for (int i = 0; i < v.Length; i++)
        {
            double d = Math.Abs(v[i] - reference[i]);
            if (double.IsNaN(d)) return double.NaN;   // fails every "<" check
            m = Math.Max(m, d);
        }
        return m;
    }

    [Theory]
    [InlineData(3, 1, 8, 8, 8)]
    [InlineData(5, 8, 8, 4, 4)]
    [InlineData(2, 5, 4, 7, 9)]
    [InlineData(4, 24, 16, 6, 6)]   // plain conv2d: output off by ~1 here on this machine
    [InlineData(2, 40, 40, 8, 8)]
    public void Conv3x3MatchesALoopReferenceInValueAndGradients(int b, int cin, int cout, int h, int w)
    {
        manual_seed(9);
        var conv = new Conv3x3(cin, cout);
        var weight = conv.parameters().Single();
        var x = randn(b, cin, h, w).requires_grad_(true);
        var g = randn(b, cout, h, w);                             // upstream gradient dL/dy
        var y = conv.forward(x);
        (y * g).sum().backward();
        var (yRef, gxRef, gwRef) = NaiveConv(x.data<float>().ToArray(), weight.data<float>().ToArray(), g.data<float>().ToArray(), b, cin, cout, h, w);
        Assert.True(MaxAbsDiff(y, yRef) < 1e-5, "output");
        Assert.True(MaxAbsDiff(x.grad!, gxRef) < 1e-5, "input gradient");
        Assert.True(MaxAbsDiff(weight.grad!, gwRef) < 1e-4, "weight gradient");   // sums of B*H*W terms
    }

    [Fact]
    public void CnnParameterCountMatchesTheFormula()
    {
        // Stage s (c_s = D*2^s, c_in = C for s = 0 else c_{s-1}): two bias-free 3x3 convs, 9*c_in*c_s + 9*c_s*c_s,
        // and two BatchNorms with weight and bias, 2*2*c_s (running stats are buffers). Head: c_last*K + K.
        // C=1, D=4, 2 stages, K=3:  (9*1*4 + 9*4*4 + 4*4) + (9*4*8 + 9*8*8 + 4*8) + (8*3 + 3)
        //                         =  196                  + 896                  + 27        = 1119
        var cfg = Fmnist with { Arch = Arch.Cnn, Height = 8, Width = 8, DModel = 4, NLayers = 2, NumOutputs = 3 };
        long expected = 0, cin = 1;
        for (int s = 0; s < 2; s++) { long c = 4L << s; expected += 9 * cin * c + 9 * c * c + 4 * c; cin = c; }
        expected += cin * 3 + 3;
        Assert.Equal(1119, expected);
        Assert.Equal(expected, new CnnModel(cfg).ParameterCount());
    }

    // One pre-norm block of width D, MLP hidden F = D*r:
    //   2 LayerNorms 2*2D + qkv (3D*D + 3D) + out (D*D + D) + fc1 (D*F + F) + fc2 (F*D + D) = 4D^2 + 2DF + 9D + F.
    private static long BlockParams(long d, long f) => 4 * d * d + 2 * d * f + 9 * d + f;

    [Fact]
    public void VitParameterCountMatchesTheFormula()
    {
        // Patch embedding: proj (C*P*P*D + D) + positions T*D; n blocks; final LayerNorm 2D; head D*K + K.
        // C=1, 8x8, P=4 (T=4, C*P*P=16), D=8, r=2 (F=16), 1 block, K=3:
        //   (16*8 + 8 + 4*8) + (4*64 + 2*8*16 + 9*8 + 16) + 2*8 + (8*3 + 3) = 168 + 600 + 16 + 27 = 811
        var cfg = Fmnist with { Arch = Arch.Vit, Height = 8, Width = 8, Patch = 4, DModel = 8, Heads = 2, MlpRatio = 2, NLayers = 1, NumOutputs = 3 };
        long expected = (16 * 8 + 8 + 4 * 8) + BlockParams(8, 16) + 2 * 8 + (8 * 3 + 3);
        Assert.Equal(811, expected);
        Assert.Equal(expected, new VitModel(cfg).ParameterCount());
    }

    [Fact]
    public void TransformerLMParameterCountMatchesTheFormula()
    {
        // Token table V*D (tied: also the output layer) + positions MaxContext*D + n blocks + final LayerNorm 2D.
        // V=50, D=8, MaxContext=16, r=2 (F=16), 1 block:  50*8 + 16*8 + 600 + 16 = 400 + 744 = 1144
        var lm = new TransformerLM(Lm(), maxContext: 16);
        long nonEmbedding = 16 * 8 + BlockParams(8, 16) + 2 * 8;
        Assert.Equal(744, nonEmbedding);
        Assert.Equal(nonEmbedding, lm.NonEmbeddingParameterCount());
        Assert.Equal(50 * 8 + nonEmbedding, lm.ParameterCount());
        Assert.DoesNotContain(lm.named_parameters(), p => p.name.StartsWith(TensorNames.Parts.Head + "."));
    }

    [Fact]
    public void CausalAttentionIgnoresLaterTokens()
    {
        manual_seed(2);
        var causal = new SelfAttention(8, 2, causal: true);
        var open = new SelfAttention(8, 2, causal: false);
        using var _ = no_grad();
        var x = randn(2, 6, 8);                                 // (B, T, D)
        for (int t = 0; t < 5; t++)
        {
            var x2 = x.clone();
            x2[.., (t + 1)..] = randn(2, 5 - t, 8);              // new tokens t+1..T-1
            var keep = TensorIndex.Slice(0, t + 1);
            Assert.True(MaxAbsDiff(causal.forward(x)[.., keep], causal.forward(x2)[.., keep]) <= 1e-6, $"position <= {t} changed");
            // The same edit does reach earlier positions without the mask (so the check can fail).
            Assert.True(MaxAbsDiff(open.forward(x)[.., keep], open.forward(x2)[.., keep]) > 1e-4);
        }
    }

    [Fact]
    public void TransformerLMLogitsDependOnlyOnThePast()
    {
        manual_seed(3);
        var lm = new TransformerLM(Lm() with { NLayers = 2 }, maxContext: 16);
        using var _ = no_grad();
        var tokens = randint(0, 50, [2, 10], dtype: int64);    // (B, L)
        var logits = lm.forward(tokens);                        // (B, L, V)
        for (int t = 0; t < 9; t++)
        {
            var edited = tokens.clone();
            edited[.., (t + 1)..] = (edited[.., (t + 1)..] + 1).remainder(50); // every later token differs
            var after = lm.forward(edited);
            var keep = TensorIndex.Slice(0, t + 1);
            Assert.True(MaxAbsDiff(logits[.., keep], after[.., keep]) <= 1e-6, $"logits at position <= {t} changed");
            Assert.True(MaxAbsDiff(logits[.., t + 1], after[.., t + 1]) > 1e-4);  // position t+1 sees its own token
        }
    }

    [Fact]
    public void UnmaskedAttentionIsPermutationEquivariant()
    {
        // Without positions, attention treats tokens as a set: permuting the input permutes the output.
        manual_seed(4);
        var attn = new SelfAttention(8, 2, causal: false);
        using var _ = no_grad();
        var x = randn(2, 7, 8);
        var perm = randperm(7);
        var permutedFirst = attn.forward(x.index_select(1, perm));
        var permutedAfter = attn.forward(x).index_select(1, perm);
        Assert.True(MaxAbsDiff(permutedFirst, permutedAfter) < 1e-5);
    }

    [Fact]
    public void TransformerLMRejectsSequencesLongerThanItsContext()
    {
        var lm = new TransformerLM(Lm(), maxContext: 8);
        Assert.Equal([1L, 8L, 50L], lm.forward(zeros(1, 8, dtype: int64)).shape);
        var e = Assert.Throws<ArgumentException>(() => lm.forward(zeros(1, 9, dtype: int64)));
        Assert.Contains("maximum context 8", e.Message);
    }

    [Fact]
    public void A_split_longer_than_the_transformer_context_is_scored_in_windows()
    {
        // The validation split of a real corpus is thousands of tokens: the Transformer reads it in
        // windows of its training length, Mamba as long streams; every token but the first per
        // window / stream is predicted once.
        var tokens = Enumerable.Range(0, 203).Select(i => i * 13 % 50).ToArray();
        var t = LmEval.ScoreSplit(new TransformerLM(Lm(), maxContext: 16), tokens, seqLen: 8, streams: 4);
        Assert.Equal(202 / 8 * 8, t.Tokens);
        var m = LmEval.ScoreSplit(ModelLoader.Create(Lm() with { Arch = Arch.Mamba, DState = 4, Expand = 2, NLayers = 1 }), tokens, seqLen: 8, streams: 4);
        Assert.Equal(4 * (203 / 4 - 1), m.Tokens);
        Assert.True(double.IsFinite(t.Perplexity) && double.IsFinite(m.Perplexity));
    }

    [Fact]
    public void CreateBuildsTheModelTheArchNames()
    {
        Assert.IsType<CnnModel>(ModelLoader.Create(Mars with { Arch = Arch.Cnn, DModel = 4, NLayers = 1 }));
        Assert.IsType<VitModel>(ModelLoader.Create(Mars with { Arch = Arch.Vit, DModel = 4, NLayers = 1 }));
        Assert.IsType<MambaModel>(ModelLoader.Create(Mars));
        Assert.IsType<TransformerLM>(ModelLoader.Create(Lm()));
        Assert.IsType<MambaLM>(ModelLoader.Create(Lm() with { Arch = Arch.Mamba }));
        Assert.Throws<EMambaException>(() => ModelLoader.Create(Mars with { Arch = Arch.Cnn, Silu = Impl.Pwl }));
    }

    /// <summary>One SGD step on a fixed batch must lower that batch's loss, and every parameter must
    /// have received a gradient (a module left out of the graph or the registration would not).</summary>
    private static void AssertOneStepLowersLoss(nn.Module<Tensor, Tensor> model, Func<Tensor> loss, double lr)
    {
        var opt = optim.SGD(model.parameters(), lr);
        opt.zero_grad();
        var before = loss();
        before.backward();
        foreach (var (name, p) in model.named_parameters())
            Assert.True(p.grad is { } g && g.abs().sum().item<float>() > 0, $"{name} got no gradient");
        opt.step();
        using var _ = no_grad();
        float b = before.item<float>(), a = loss().item<float>();
        Assert.True(a < b - 1e-4, $"loss {b} -> {a}");
    }

    [Theory]
    [InlineData(Arch.Cnn)]
    [InlineData(Arch.Vit)]
    public void OneSgdStepLowersTheVisionLoss(Arch arch)
    {
        manual_seed(6);
        var model = ModelLoader.Create(Cifar with { Arch = arch, DModel = 8, Heads = 2, NLayers = 2 });
        var x = randn(8, 3, 32, 32);
        var y = randint(0, 10, [8], dtype: int64);
        AssertOneStepLowersLoss(model, () => nn.functional.cross_entropy(model.forward(x), y), lr: 0.05);
    }

    [Fact]
    public void OneSgdStepLowersTheRegressionLoss()
    {
        manual_seed(7);
        var model = new CnnModel(Mars with { Arch = Arch.Cnn, DModel = 4, NLayers = 2 });
        var x = randn(8, 5, 8, 8);
        var y = randn(8, 57);
        AssertOneStepLowersLoss(model, () => nn.functional.mse_loss(model.forward(x), y), lr: 0.05);
    }

    [Fact]
    public void OneSgdStepLowersTheLanguageModelLoss()
    {
        manual_seed(8);
        var lm = new TransformerLM(Lm() with { NLayers = 2 }, maxContext: 16);
        var tokens = randint(0, 50, [4, 13], dtype: int64);
        var input = tokens[.., ..12];                           // (B, L)
        var target = tokens[.., 1..];                           // (B, L): the next token
        AssertOneStepLowersLoss(lm, () => nn.functional.cross_entropy(lm.forward(input).reshape(-1, 50), target.reshape(-1)), lr: 0.5);
    }

    [Fact]
    public void CnnCheckpointKeepsTheBatchNormRunningStatistics()
    {
        manual_seed(8);
        var cfg = Mars with { Arch = Arch.Cnn, DModel = 4, NLayers = 2 };
        var model = new CnnModel(cfg);
        model.train();
        using (no_grad()) for (int i = 0; i < 3; i++) model.forward(randn(16, 5, 8, 8) * 3 + 1);   // moves the running statistics
        model.eval();
        var x = randn(4, 5, 8, 8);
        var before = model.forward(x);
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "cnn.safetensors");
        Checkpoint.Save(path, model, new RunConfig { Model = cfg }, new Data.Normalizer([0f, 0, 0, 0, 0], [1f, 1, 1, 1, 1]));
        var loaded = new CnnModel(cfg);
        Checkpoint.Load(path).LoadInto(loaded);
        loaded.eval();
        Assert.Equal(before.data<float>().ToArray(), loaded.forward(x).data<float>().ToArray());
        // Without the statistics (a fresh model with the same weights) eval mode would differ.
        var fresh = new CnnModel(cfg);
        foreach (var ((_, p), (_, q)) in fresh.named_parameters().Zip(model.named_parameters())) using (no_grad()) p.copy_(q);
        fresh.eval();
        Assert.NotEqual(before.data<float>().ToArray(), fresh.forward(x).data<float>().ToArray());
    }
}
