using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Data.Checkpoints;
using EMamba.Engine.Lm;
using EMamba.Engine.Quantize;
using EMamba.Engine.Stages;

namespace EMamba.Engine.Tests;

/// <summary>Language models in the integer engine (docs/integer.md §20) on tiny generated LMs, with
/// and without the narrowed embedding (embed_in / embed_out): streaming equals piecewise feeding, the
/// integer logits follow the float model's, perplexity is finite and the run stage scores both.</summary>
public sealed class LmTests : IDisposable
{
    private const int Vocab = 50;
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-lm-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    public static TheoryData<int> EmbedDims => [0, 8];

    private static int[] Tokens(int n, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n).Select(_ => rng.Next(Vocab))];
    }

    private static FloatModel Float(ModelConfig cfg, int seed, string dir)
    {
        string path = Path.Combine(dir, $"lm-{cfg.EmbedDim}-{seed}.safetensors");
        RandomCheckpoint.Write(path, cfg, seed);
        return new FloatModel(FloatCheckpoint.Read(path), null);
    }

    [Theory, MemberData(nameof(EmbedDims))]
    public void Feeding_a_sequence_in_two_pieces_with_the_state_carried_gives_the_same_logits(int embedDim)
    {
        var m = RandomModel.Quantized(TinyLm.Config(Vocab, embedDim), 11);
        var seq = Tokens(40, 12);
        var whole = new ModelState(m);
        var once = seq.Select(t => Reference.Step(m, whole, t)).ToList();
        // First piece on one state; its codes copied into a new state, which reads the rest.
        var a = new ModelState(m);
        var first = seq[..17].Select(t => Reference.Step(m, a, t)).ToList();
        var b = new ModelState(m);
        for (int i = 0; i < a.Blocks.Length; i++) { a.Blocks[i].Window.CopyTo(b.Blocks[i].Window, 0); a.Blocks[i].H.CopyTo(b.Blocks[i].H, 0); }
        b.Position = a.Position;
        var rest = seq[17..].Select(t => Reference.Step(m, b, t)).ToList();
        Assert.Equal(40, whole.Position);
        Assert.Equal(40, b.Position);
        for (int t = 0; t < seq.Length; t++) Assert.Equal(once[t], t < 17 ? first[t] : rest[t - 17]);
        // The state matters: the same token after a different history gives other logits.
        Assert.NotEqual(Reference.Step(m, new ModelState(m), seq[20]), rest[3]);
    }

    [Theory, MemberData(nameof(EmbedDims))]
    public void Integer_logits_follow_the_float_model(int embedDim)
    {
        var cfg = TinyLm.Config(Vocab, embedDim);
        var m = RandomModel.Quantized(cfg, 21);
        var fm = Float(cfg, 21, dir);        // the same seeded weights RandomModel quantized
        Assert.Equal(embedDim != 0, m.EmbedIn != null && m.EmbedOut != null);
        var st = new ModelState(m); var fs = new FloatModel.State(fm);
        double err = 0, norm = 0; int agree = 0;
        var seq = Tokens(48, 22);
        foreach (int tok in seq)
        {
            var il = Reference.Step(m, st, tok);
            var fl = fm.Step(fs, tok);
            for (int v = 0; v < Vocab; v++) { double d = Samples.Real(il[v], m.Output) - fl[v]; err += d * d; norm += fl[v] * fl[v]; }
            if (Array.IndexOf(il, il.Max()) == Array.IndexOf(fl, fl.Max())) agree++;
        }
        double rel = Math.Sqrt(err / norm);
        Assert.True(rel < 0.25, $"integer logits' RMS error is {rel:P1} of the float logits' RMS");
        Assert.True(agree >= seq.Length * 3 / 4, $"the top token agrees on {agree} of {seq.Length} steps");
    }

    [Theory, MemberData(nameof(EmbedDims))]
    public void Streaming_perplexity_is_finite_and_near_the_float_models(int embedDim)
    {
        var cfg = TinyLm.Config(Vocab, embedDim);
        var m = RandomModel.Quantized(cfg, 31);
        var fm = Float(cfg, 31, dir);
        var seq = Tokens(200, 32);
        var i = Streaming.Integer(m, seq);
        var f = Streaming.Float(fm, seq);
        Assert.Equal(199, i.Tokens);
        Assert.True(double.IsFinite(i.Perplexity) && i.Perplexity > 1, $"integer perplexity {i.Perplexity}");
        Assert.True(Math.Abs(Math.Log(i.Perplexity / f.Perplexity)) < 0.2, $"integer {i.Perplexity:F2} vs float {f.Perplexity:F2}");
    }

    [Fact]
    public void Next_token_nll_is_log_softmax_and_stays_finite_on_s32_extremes()
    {
        double[] l = [1.0, 2.0, 3.0];
        double z = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.Equal(-Math.Log(Math.Exp(2) / z), NextToken.Nll(l, 1), 12);
        var d = new Domain(2, 32);
        Assert.Equal(NextToken.Nll([0.25, 0.5, 0.75], 2), NextToken.Nll([1L, 2, 3], d, 2), 12);
        double big = NextToken.Nll([d.Max, d.Min, 0], new Domain(0, 32), 1);
        Assert.True(double.IsFinite(big) && big > 4e9);
        Assert.Equal(0, NextToken.Nll([d.Max, d.Min, 0], new Domain(0, 32), 0), 12);
    }

    [Fact]
    public void Length_figures_do_not_depend_on_the_thread_count_and_follow_the_protocol()
    {
        var m = RandomModel.Quantized(TinyLm.Config(Vocab, 8), 41);
        var stream = Tokens(150, 42);
        var plan = new Streaming.Plan(stream, stream[..128], [16, 64, 512]);
        StreamScore Score(ReadOnlyMemory<int> s) => Streaming.Integer(m, s.Span);
        var one = Streaming.Figures(plan, Score, new ParallelOptions { MaxDegreeOfParallelism = 1 });
        var four = Streaming.Figures(plan, Score, new ParallelOptions { MaxDegreeOfParallelism = 4 });
        Assert.Equal(one, four);
        Assert.Equal(["loss", "perplexity", "ppl_16", "ppl_64", "samples"], one.Keys.Order());   // 512 does not fit in 128 tokens
        var byHand = Enumerable.Range(0, 2).Select(r => Streaming.Integer(m, stream.AsSpan(r * 64, 64))).Aggregate((x, y) => x + y);
        Assert.Equal(byHand.Perplexity, one["ppl_64"], 12);
        Assert.Equal(149, one["samples"]);
        Assert.Equal(Streaming.Integer(m, stream).Perplexity, one["perplexity"], 12);
    }

    [Fact]
    public void Quantizing_an_lm_without_embed_in_fixes_x0_to_the_table_once()
    {
        var cfg = TinyLm.Config(Vocab, 0);
        var fm = Float(cfg, 51, dir);
        var cal = Calibration.RunLm(fm, [Tokens(32, 52)]);
        var m = Quantizer.Run(fm, cal, new Precision(), "", out var choices);
        var x0 = Assert.Single(choices, c => c.Name == "x0");
        Assert.NotNull(x0.Note);
        Assert.Equal(new Domain(m.TokenEmbeddingFrac, 8), m.Blocks[0].Norm.In);
        Assert.Equal(m.FinalNorm.Out.Frac + m.TokenEmbeddingFrac, m.Output.Frac);
        // With embed_in / embed_out, x0 and embed_out are calibrated, and the head's frac is the table's + embed_out's.
        var fm8 = Float(TinyLm.Config(Vocab, 8), 53, dir);
        var m8 = Quantizer.Run(fm8, Calibration.RunLm(fm8, [Tokens(32, 54)]), new Precision(), "", out var ch8);
        Assert.Null(Assert.Single(ch8, c => c.Name == "x0").Note);
        Assert.Null(Assert.Single(ch8, c => c.Name == "embed_out").Note);
        Assert.Equal(m8.EmbedOut!.Out.Frac + m8.TokenEmbeddingFrac, m8.Output.Frac);
    }

    [Theory, MemberData(nameof(EmbedDims))]
    public void Quantize_then_run_scores_an_lm_file_beside_its_float_model(int embedDim)
    {
        string data = Path.Combine(dir, "wikitext");
        var corpus = TinyLm.WriteFolder(data);
        string fp = Path.Combine(dir, "lm.safetensors"), qp = Path.Combine(dir, "lm.q.safetensors");
        RandomCheckpoint.Write(fp, TinyLm.Config(corpus.Vocab.Count, embedDim), 61);
        var qr = QuantizeStage.Run(new QuantizeStage.Request(fp, null, data, 4, CalibMethod.Percentile, null, qp, "test", LmTokens: 64));
        Assert.Equal(4, qr.CalibSamples);
        var req = new RunStage.Request(qp, "test", data, 600, 2);
        var res = RunStage.Run(req);                         // dispatched to LmRunStage, default lengths 512, 4096
        Assert.Equal("perplexity", res.MetricName);
        Assert.Equal(599, res.Samples);
        Assert.True(res.Figures.ContainsKey("ppl_512") && !res.Figures.ContainsKey("ppl_4096"));
        Assert.NotNull(res.FloatFigures);
        Assert.True(double.IsFinite(res.Metric) && double.IsFinite(res.FloatMetric!.Value));
        Assert.True(Math.Abs(Math.Log(res.Metric / res.FloatMetric.Value)) < 0.2, $"integer {res.Metric:F2} vs float {res.FloatMetric:F2}");
        var custom = LmRunStage.Run(req, [100, 300]);
        Assert.Equal(res.Metric, custom.Metric);
        Assert.Equal(["loss", "perplexity", "ppl_100", "ppl_300", "samples"], custom.Figures.Keys.Order());
        Assert.Equal(ExitCodes.Usage, Assert.Throws<EMambaException>(() => LmRunStage.Run(req, [1])).ExitCode);
    }
}
