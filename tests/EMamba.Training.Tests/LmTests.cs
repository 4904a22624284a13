using EMamba.Core;
using EMamba.Data;
using EMamba.Training.Modules;
using static TorchSharp.torch;
using EMamba.Training.Checkpoints;
using EMamba.Training.Eval;
using EMamba.Training.Scan;
using EMamba.Training.Train;
using EMamba.Core.Checkpoints;

namespace EMamba.Training.Tests;

/// <summary>The Mamba language model in pieces (streaming) and its truncated-BPTT trainer.</summary>
[Collection("torch")]
public sealed class LmTests
{
    private static ModelConfig Tiny(int vocab = 23, int embed = 0) => new()
    {
        Task = TaskKind.Wikitext2, Head = Head.Lm, Vocab = vocab, DModel = 16, DState = 4, NLayers = 2, EmbedDim = embed,
    };

    // All eMamba operators: range norm, ReLU Delta, PWL SiLU and exp (the paper's default tables).
    private static ModelConfig TinyEMamba() => Tiny() with { Norm = Norm.Range, DeltaAct = DeltaAct.Relu, Silu = Impl.Pwl, Exp = Impl.Pwl };

    [Theory]
    [InlineData(1, 0, false)]
    [InlineData(2, 0, false)]
    [InlineData(5, 8, false)]
    [InlineData(17, 0, false)]
    [InlineData(1, 0, true)]
    [InlineData(5, 0, true)]
    public void FeedingInPiecesGivesTheLogitsOfOneCall(int piece, int embed, bool eMambaOps)
    {
        manual_seed(7);
        var model = new MambaLM(eMambaOps ? TinyEMamba() : Tiny(embed: embed));
        model.eval();
        using var _ = no_grad();
        var tokens = randint(0, 23, [3, 37], dtype: int64);
        var whole = model.forward(tokens);                                     // (3, 37, 23)
        var parts = new List<Tensor>();
        BlockState[]? state = null;
        for (int t0 = 0; t0 < 37; t0 += piece)
        {
            int n = Math.Min(piece, 37 - t0);
            parts.Add(model.Forward(tokens.narrow(1, t0, n), state, out state));
        }
        var streamed = cat(parts, 1);
        double err = (streamed - whole).abs().max().item<float>(), scale = whole.abs().max().item<float>();
        Assert.True(err <= 1e-5 * scale, $"pieces of {piece}: max difference {err} (logit scale {scale})");
    }

    [Fact]
    public void ANarrowEmbeddingCutsTheParametersAsComputed()
    {
        var wide = new MambaLM(Tiny(vocab: 1000));
        var narrow = new MambaLM(Tiny(vocab: 1000, embed: 8));
        // The table shrinks from 1000 x 16 to 1000 x 8; two 8 x 16 projections are added.
        Assert.Equal(wide.ParameterCount() - 1000 * 16 + 1000 * 8 + 2 * 8 * 16, narrow.ParameterCount());
        Assert.Equal(wide.NonEmbeddingParameterCount() + 2 * 8 * 16, narrow.NonEmbeddingParameterCount());
    }

    private static LmCorpus Corpus()
    {
        // A repeating pattern with noise: learnable, so perplexity must fall well below the vocabulary size.
        var rng = new Random(3);
        var words = Enumerable.Range(0, 20).Select(i => $"w{i}").ToArray();
        string dir = Directory.CreateTempSubdirectory().FullName, path = Path.Combine(dir, "valid.txt");
        var lines = Enumerable.Range(0, 300).Select(i => string.Join(" ", Enumerable.Range(0, 8).Select(k => rng.Next(10) == 0 ? words[rng.Next(20)] : words[(i + k) % 20])));
        File.WriteAllLines(path, lines);
        File.WriteAllLines(Path.Combine(dir, "test.txt"), lines.Take(30));
        return WikiText.Load(dir, 0.1);
    }

    private static RunConfig Cfg(LmCorpus c, int epochs) => new()
    {
        Model = Tiny(vocab: c.Vocab.Count),
        Train = new TrainConfig { Epochs = epochs, BatchSize = 4, SeqLen = 16, Lr = 1e-2, WarmupSteps = 5, Seed = 2 },
    };

    [Fact]
    public void TrainingLowersPerplexityAndResumesExactly()
    {
        set_num_threads(1);
        var c = Corpus();
        string a = Directory.CreateTempSubdirectory().FullName, b = Directory.CreateTempSubdirectory().FullName;
        var straight = new LmTrainer(Cfg(c, 3), c, a).Run(resume: false);
        StopAfterEpochs.Run(1, (obs, ct) => new LmTrainer(Cfg(c, 3), c, b, obs).Run(resume: false, ct));
        var resumed = new LmTrainer(Cfg(c, 3), c, b).Run(resume: true);
        Assert.Equal(straight.Epochs.Select(e => e.ValMetric), resumed.Epochs.Select(e => e.ValMetric));
        Assert.True(straight.Epochs[^1].ValMetric < 0.5 * c.Vocab.Count, $"validation perplexity {straight.Epochs[^1].ValMetric} of {c.Vocab.Count} words");
        Assert.True(straight.Epochs[^1].TrainMetric < straight.Epochs[0].TrainMetric);
        // The checkpoint carries its vocabulary, so eval and generate need nothing else.
        var ck = Checkpoint.Load(Path.Combine(a, RunFolder.BestFile));
        Assert.Equal(c.Vocab.ToText(), ck.Vocabulary.ToText());
    }

    [Fact]
    public void AShortLanguageModelRunCapsItsWarmupAtATenthOfTheRun()
    {
        set_num_threads(1);
        var c = Corpus();
        string dir = Directory.CreateTempSubdirectory().FullName;
        var cfg = Cfg(c, 1) with { Train = Cfg(c, 1).Train with { WarmupSteps = 100000 } };
        int segments = (TokenBatches.Batchify(c.Train, cfg.Train.BatchSize).GetLength(1) - 1) / cfg.Train.SeqLen;
        var log = new LmTrainer(cfg, c, dir).Run(resume: false);
        Assert.Equal(segments / 10, log.WarmupSteps);
        Assert.True(log.Epochs[0].Lr > 0.01 * cfg.Train.Lr, $"lr {log.Epochs[0].Lr}: the warm-up was not capped");
    }

    [Fact]
    public void PerplexityOfAUniformModelIsTheVocabularySize()
    {
        // Zero output weights give uniform logits: perplexity = vocabulary size exactly, at any length.
        manual_seed(1);
        var model = new MambaLM(Tiny(vocab: 23));
        using (no_grad()) foreach (var (name, p) in model.named_parameters()) if (name == TensorNames.Lm.Embedding) p.zero_();
        var tokens = Enumerable.Range(0, 500).Select(i => i * 7 % 23).ToArray();
        foreach (int len in new[] { 8, 64, 250 })
            Assert.Equal(23.0, LmEval.PerplexityAt(model, tokens, len, chunk: 5), 4);
    }

    [Fact]
    public void UnkTargetsAreScoredApartFromTheRest()
    {
        manual_seed(5);
        var model = new MambaLM(Tiny(vocab: 23));
        var rng = new Random(3);
        var seqs = new int[4, 40];
        for (int r = 0; r < 4; r++) for (int t = 0; t < 40; t++) seqs[r, t] = rng.Next(23);
        const int unk = 5;
        int unkTargets = 0;
        for (int r = 0; r < 4; r++) for (int t = 1; t < 40; t++) if (seqs[r, t] == unk) unkTargets++;
        var s = LmEval.Score(model, seqs, chunk: 9, batch: 3, unk: unk);
        Assert.Equal(unkTargets, s.UnkTokens);
        Assert.Equal(100.0 * unkTargets / (4 * 39), s.UnkPercent, 9);
        // Scoring each <unk> target alone: the NLL of one position is log-softmax at that target,
        // read from the full-sequence logits (streaming equals one call).
        double expect = 0;
        using (no_grad())
        {
            model.eval();
            using var logp = TorchSharp.torch.nn.functional.log_softmax(model.forward(LmEval.Slice(seqs, 0, 4, 0, 39)), 2);   // (4, 39, 23)
            for (int r = 0; r < 4; r++) for (int t = 1; t < 40; t++)
                if (seqs[r, t] == unk) expect -= logp[r, t - 1, unk].item<float>();
        }
        Assert.Equal(expect, s.UnkNll, 1e-4 * Math.Max(1, expect));
        Assert.Equal(Math.Exp((s.Nll - s.UnkNll) / (s.Tokens - s.UnkTokens)), s.KnownPerplexity, 9);
        // Without an unk id nothing is split out, and the total is the same.
        var plain = LmEval.Score(model, seqs, chunk: 9, batch: 3);
        Assert.Equal((0L, 0.0), (plain.UnkTokens, plain.UnkNll));
        Assert.Equal(s.Nll, plain.Nll, 1e-9 * s.Nll);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void StreamingScoreEqualsOneCallScore(bool eMambaOps)
    {
        manual_seed(4);
        var model = new MambaLM(eMambaOps ? TinyEMamba() : Tiny());
        var rng = new Random(2);
        var seqs = new int[3, 50];
        for (int r = 0; r < 3; r++) for (int t = 0; t < 50; t++) seqs[r, t] = rng.Next(23);
        var (whole, n1) = LmEval.Score(model, seqs, chunk: 1000);
        var (pieces, n2) = LmEval.Score(model, seqs, chunk: 7, batch: 2);
        Assert.Equal(3 * 49, n1);
        Assert.Equal(n1, n2);
        Assert.Equal(whole, pieces, 1e-6 * whole);
    }

    [Fact]
    public void GreedyStreamingGenerationFollowsTheFullSequenceArgmax()
    {
        manual_seed(5);
        var model = new MambaLM(Tiny());
        int[] prompt = [3, 1, 4, 1, 5];
        var generated = LmGenerator.Generate(model, prompt, 8, temperature: 0).ToArray();
        var seq = prompt.ToList();
        using var _ = no_grad();
        foreach (int g in generated)
        {
            // Re-reading the whole sequence must pick the same next token the recurrent step did.
            var logits = model.forward(tensor(seq.Select(t => (long)t).ToArray(), [1, seq.Count]));   // (1, n, V)
            Assert.Equal(logits[0, -1].argmax().item<long>(), g);
            seq.Add(g);
        }
        // Sampling is repeatable from the seed and differs across seeds.
        var a = LmGenerator.Generate(model, prompt, 20, temperature: 1.5, seed: 9).ToArray();
        Assert.Equal(a, LmGenerator.Generate(model, prompt, 20, temperature: 1.5, seed: 9).ToArray());
        Assert.NotEqual(a, LmGenerator.Generate(model, prompt, 20, temperature: 1.5, seed: 10).ToArray());
    }
}
