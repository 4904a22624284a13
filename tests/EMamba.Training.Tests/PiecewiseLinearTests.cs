using CsCheck;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Data;
using EMamba.Training.Modules;
using static TorchSharp.torch;
using EMamba.Training.Checkpoints;
using EMamba.Training.Pwl;
using EMamba.Training.Runtime;
using EMamba.Training.Scan;
using EMamba.Core.Checkpoints;

namespace EMamba.Training.Tests;

/// <summary>The float32 PWL autograd function against the double-precision definition (PwlTable):
/// values, tails, and finite-difference checks of the hand-written gradients to input, knots and values.</summary>
// Shares the torch collection: it touches torch's global RNG or thread count, which the exact-resume tests need left alone.
[Collection("torch")]
public sealed class PiecewiseLinearTests
{
    // A table with uneven knots and values off the function, so every gradient term matters.
    private static PwlTable Table(PwlFunction f, int seed)
    {
        var r = new Random(seed);
        var (n, lo, hi) = f.Default();
        var k = PwlTable.Uniform(f, n, lo, hi).Knots;
        for (int i = 1; i < n; i++) k[i] += (r.NextDouble() - 0.5) * 0.6 * (hi - lo) / n;
        var v = k.Select(x => f.Exact(x) + (r.NextDouble() - 0.5) * 0.1).ToArray();
        // exp tables are kept in [0, 1]; values strictly inside keep finite differences two-sided.
        if (f == PwlFunction.Exp) v = v.Select(y => Math.Clamp(y, 0.02, 0.98)).ToArray();
        return new PwlTable(f, k.Select(x => (double)(float)x).ToArray(), v.Select(x => (double)(float)x).ToArray());
    }

    // Inputs spread over the range and both tails, at least 2e-3 away from every knot (so a finite
    // difference step never moves a point across a knot).
    private static float[] Inputs(PwlTable t, int n, int seed)
    {
        var r = new Random(seed);
        var xs = new List<float>();
        while (xs.Count < n)
        {
            float x = (float)(t.Lo - 2 + r.NextDouble() * (t.Hi - t.Lo + 4));
            if (t.Knots.All(k => Math.Abs(k - x) > 2e-3)) xs.Add(x);
        }
        return [.. xs];
    }

    private static Tensor T(double[] a) => tensor(a.Select(v => (float)v).ToArray());

    [Theory]
    [InlineData(PwlFunction.Silu)]
    [InlineData(PwlFunction.Exp)]
    public void Forward_matches_the_double_definition_including_tails(PwlFunction f)
    {
        var t = Table(f, 3);
        var x = Inputs(t, 5000, 4);
        var y = PiecewiseLinear.Apply(tensor(x), T(t.Knots), T(t.Values), f).data<float>().ToArray();
        for (int i = 0; i < x.Length; i++)
            Assert.True(Math.Abs(y[i] - t.Eval(x[i])) <= 2e-6 * Math.Max(1, Math.Abs(x[i])), $"x={x[i]}: {y[i]} vs {t.Eval(x[i])}");
    }

    [Fact]
    public void Tails_are_exact()
    {
        Gen.Float[-100f, 100f].Sample(x =>
        {
            foreach (var f in PwlFunctions.All)
            {
                var t = PwlTable.Default(f);
                float y = PiecewiseLinear.Apply(tensor(new[] { x }), T(t.Knots), T(t.Values), f).data<float>()[0];
                // The tails of PwlRule: v_0 held below; SiLU x - hi + v_K above, exp v_K held.
                if (x < t.Lo) Assert.Equal((float)t.Values[0], y);
                if (x > t.Hi) Assert.Equal(f == PwlFunction.Silu ? x - (float)t.Hi + (float)t.Values[^1] : (float)t.Values[^1], y);
            }
        });
    }

    [Theory]
    [InlineData(PwlFunction.Silu)]
    [InlineData(PwlFunction.Exp)]
    public void Gradients_to_input_knots_and_values_match_finite_differences(PwlFunction f)
    {
        var t = Table(f, 7);
        var x = Inputs(t, 3000, 8);
        var rw = new Random(9);
        var w = x.Select(_ => (float)(rw.NextDouble() * 2 - 1)).ToArray();
        var xt = tensor(x).requires_grad_();
        var kt = T(t.Knots).requires_grad_();
        var vt = T(t.Values).requires_grad_();
        (PiecewiseLinear.Apply(xt, kt, vt, f) * tensor(w)).sum().backward();
        var gx = xt.grad!.data<float>().ToArray();
        var gk = kt.grad!.data<float>().ToArray();
        var gv = vt.grad!.data<float>().ToArray();

        double Loss(PwlTable tt, Func<int, double> xAt) => Enumerable.Range(0, x.Length).Sum(j => w[j] * tt.Eval(xAt(j)));
        const double h = 1e-5;
        // Both tails are in the checked inputs (the tails give gradients to x, to v_0 / v_K and,
        // for SiLU's slope-1 tail, to k_K), and so is the sum over all of them for knots and values.
        Assert.Contains(x.Take(200), v => v < t.Lo);
        Assert.Contains(x.Take(200), v => v > t.Hi);
        for (int j = 0; j < 200; j++)
        {
            double fd = w[j] * (t.Eval(x[j] + h) - t.Eval(x[j] - h)) / (2 * h);
            Assert.True(Math.Abs(fd - gx[j]) < 1e-4 * Math.Max(1, Math.Abs(fd)), $"dx[{j}]: {gx[j]} vs {fd}");
        }
        for (int i = 0; i < t.Knots.Length; i++)
        {
            double Shift(double[] a, double d, bool knots)
            {
                var b = (double[])a.Clone(); b[i] += d;
                return Loss(knots ? t with { Knots = b } : t with { Values = b }, j => x[j]);
            }
            double fdk = (Shift(t.Knots, h, true) - Shift(t.Knots, -h, true)) / (2 * h);
            double fdv = (Shift(t.Values, h, false) - Shift(t.Values, -h, false)) / (2 * h);
            Assert.True(Math.Abs(fdk - gk[i]) < 1e-3 * Math.Max(1, Math.Abs(fdk)), $"dknot[{i}]: {gk[i]} vs {fdk}");
            Assert.True(Math.Abs(fdv - gv[i]) < 1e-3 * Math.Max(1, Math.Abs(fdv)), $"dvalue[{i}]: {gv[i]} vs {fdv}");
        }
    }

    [Fact]
    public void Knot_and_value_gradients_do_not_depend_on_the_thread_count()
    {
        var t = Table(PwlFunction.Exp, 1);
        var x = Inputs(t, 200_000, 2);
        float[] Run(int threads)
        {
            int before = get_num_threads();
            set_num_threads(threads);
            try
            {
                var kt = T(t.Knots).requires_grad_();
                PiecewiseLinear.Apply(tensor(x), kt, T(t.Values), PwlFunction.Exp).sum().backward();
                return kt.grad!.data<float>().ToArray();
            }
            finally { set_num_threads(before); }
        }
        Assert.Equal(Run(1), Run(2));
    }

    [Fact]
    public void A_training_step_keeps_the_knots_strictly_increasing()
    {
        Gen.Int[0, 1000].Sample(seed =>
        {
            var op = new PwlOp(PwlTable.Default(PwlFunction.Silu));
            var x = randn([4000], generator: new Generator((ulong)seed)) * 4;
            var loss = (op.forward(x) - x.sigmoid() * 3).square().mean();   // a target far from SiLU: large steps
            loss.backward();
            using (no_grad())
                foreach (var p in op.parameters()) p.sub_(p.grad! * 50);
            op.KeepAdmissible();
            var k = op.Table().Knots;
            for (int i = 1; i < k.Length; i++) Assert.True(k[i] > k[i - 1], $"knot {i}: {k[i]} after {k[i - 1]}");
        }, iter: 20);
    }

    [Fact]
    public void Optimiser_steps_leave_the_pinned_exp_knot_and_value_unchanged_bit_for_bit()
    {
        // The defect: fine-tuning moved the fitter's knot at 0 (value 1), so A_bar(0) became 0.999.
        var table = PwlFit.Fit(PwlFunction.Exp, 11, -4, 1, Histogram.Empty(-6, 2, 80) with { Below = 1 });
        var op = new PwlOp(table);
        Assert.Equal([10], op.Pinned);
        var opt = new Optim.AdamW([("k", op.Knots), ("v", op.Values)], (_, _) => false, 0);
        var x = randn([4000], generator: new Generator(5)) * 0.5 - 0.3;
        for (int step = 0; step < 20; step++)
        {
            opt.ZeroGrad();
            (op.forward(x) - (x * 0.7).exp() * 0.9).square().mean().backward();   // a target that pulls the pin
            opt.StepWith(0.05);
            op.KeepAdmissible();
        }
        var k = TensorMemory.Read(op.Knots); var v = TensorMemory.Read(op.Values);
        Assert.NotEqual((float)table.Knots[5], k[5]);                // the other knots did move
        Assert.Equal(BitConverter.SingleToInt32Bits(0f), BitConverter.SingleToInt32Bits(k[10]));
        Assert.Equal(BitConverter.SingleToInt32Bits(1f), BitConverter.SingleToInt32Bits(v[10]));
        for (int i = 1; i < k.Length; i++) Assert.True(k[i] > k[i - 1]);
        Assert.Equal(1f, PiecewiseLinear.Apply(zeros(3), op.Knots, op.Values, PwlFunction.Exp).data<float>()[0]);
    }

    [Fact]
    public void A_knot_pushed_across_the_pin_is_sorted_past_it_and_the_pin_stays()
    {
        var op = new PwlOp(new PwlTable(PwlFunction.Exp, [-4, -2, -1, 0, 1], [0.02, 0.1, 0.4, 1, 1]));
        using (no_grad()) op.Knots.copy_(tensor(new[] { -4f, -2f, 0.3f, 0.0001f, 1f }));   // knot 2 jumped past 0; the pin drifted
        op.KeepAdmissible();
        var k = TensorMemory.Read(op.Knots); var v = TensorMemory.Read(op.Values);
        Assert.Equal([2], op.Pinned);
        Assert.Equal(0f, k[2]); Assert.Equal(1f, v[2]);
        Assert.Equal(0.3f, k[3]);
        for (int i = 1; i < k.Length; i++) Assert.True(k[i] > k[i - 1]);
    }

    [Fact]
    public void Checkpoint_tables_are_validated_as_float32_naming_file_function_and_index()
    {
        string dir = Directory.CreateTempSubdirectory().FullName, p = Path.Combine(dir, "m.safetensors");
        var cfg = new RunConfig
        {
            Model = new ModelConfig { Task = TaskKind.Fmnist, Patch = 7, DModel = 8, DState = 4, NLayers = 1, Silu = Impl.Pwl, Exp = Impl.Pwl },
            Train = new TrainConfig { Epochs = 1, BatchSize = 4 },
        };
        Checkpoint.Save(p, new MambaModel(cfg.Model), cfg, new EMamba.Data.Normalizer([0f], [1f]));
        Assert.Empty(ModelLoader.TableIn(Checkpoint.Load(p), PwlFunction.Exp).Problems());
        var f = SafetensorsFile.Read(p);
        foreach (var (name, edit, expect) in new (string, Func<float[], float[]>, string)[]
        {
            (TensorNames.Pwl(PwlFunction.Silu).Values, v => { v[3] = 1e30f; return v; }, "silu: value 3 = 1.0000000150474662E+30 is not a finite float32 within ±1e6"),
            (TensorNames.Pwl(PwlFunction.Exp).Knots, k => { k[2] = k[1]; return k; }, "exp: knots must increase strictly as float32 (knot 2"),
            (TensorNames.Pwl(PwlFunction.Exp).Knots, k => { k[0] = float.NegativeInfinity; return k; }, "exp: knot 0 = "),
        })
        {
            var edited = f.Tensors.Select(t => t.Name == name ? TensorData.FromFloat(t.Name, edit(t.AsFloat()), t.AsFloat().Length) : t).ToList();
            SafetensorsFile.Write(p, edited, f.Metadata);
            var e = Assert.Throws<EMambaException>(() => ModelLoader.Load(Checkpoint.Load(p)));
            Assert.True(e.Message.Contains(p) && e.Message.Contains(expect), e.Message);
            Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        }
    }

    [Fact]
    public void A_training_step_keeps_exp_values_in_0_to_1()
    {
        // A target far above exp pushes the values up; the projection after the step brings them back.
        var op = new PwlOp(PwlTable.Default(PwlFunction.Exp));
        var x = randn([4000], generator: new Generator(3)) - 1;
        var loss = (op.forward(x) - 3).square().mean();
        loss.backward();
        using (no_grad())
            foreach (var p in op.parameters()) p.sub_(p.grad! * 50);
        Assert.True(TensorMemory.Read(op.Values).Max() > 1, "the step should have pushed a value above 1");
        op.KeepAdmissible();
        Assert.All(TensorMemory.Read(op.Values), v => Assert.InRange(v, 0f, 1f));
    }
}
