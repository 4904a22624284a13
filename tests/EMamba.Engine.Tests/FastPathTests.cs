using CsCheck;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine.Fast;
using EMamba.Engine.Quantize;

namespace EMamba.Engine.Tests;

/// <summary>The fast path (docs/integer.md §18) against the reference: the same output codes on random
/// tiny models (geometry, widths, per-channel weights, conv SiLU, state width all varied), random input
/// codes, at every forced vector width and for several thread counts.</summary>
public class FastPathTests
{
    // One random tiny model: config, precision and its quantized form.
    private sealed record Case(ModelConfig Cfg, Precision Prec, int Seed)
    {
        public override string ToString() =>
            $"D={Cfg.DModel} E={Cfg.Expand} N={Cfg.DState} M={Cfg.NLayers} K={Cfg.DConv} P={Cfg.Patch} C={Cfg.InChannels} {Cfg.Height}x{Cfg.Width} " +
            $"conv_silu={Cfg.ConvSilu} head={Cfg.Head} act={Prec.ActBits} per_channel={Prec.PerChannel} h={Prec.Kinds["h"].Bits} seed={Seed}";
    }

    private static readonly Gen<Case> Cases =
        Gen.Select(
            Gen.Select(Gen.Int[1, 12], Gen.Int[1, 3], Gen.Int[1, 6], Gen.Int[1, 3], Gen.Int[1, 4]),
            Gen.Select(Gen.OneOf(TaskKind.Mars, TaskKind.Fmnist, TaskKind.Cifar10), Gen.Int[0, 2], Gen.Bool),
            Gen.Select(Gen.Bool, Gen.Int[4, 12], Gen.Int[8, 24], Gen.Int[0, 1000]))
        .Select((a, b, c) =>
        {
            var (d, e, n, m, k) = a; var (task, pi, silu) = b; var (pc, act, hb, seed) = c;
            // The task fixes the geometry; the patch sets the token count (Mars 16/4/1, FMNIST 16/4/1, CIFAR-10 16/4/1).
            var t = TaskInfo.Find(task)!;
            int[] patches = task switch { TaskKind.Mars => [2, 4, 8], TaskKind.Fmnist => [7, 14, 28], _ => [8, 16, 32] };
            int p = patches[pi];
            var cfg = new ModelConfig
            {
                Task = task, Head = t.Head, InChannels = t.InChannels, Height = t.Height, Width = t.Width, Patch = p,
                DModel = d, Expand = e, DState = n, NLayers = m, DConv = k, NumOutputs = t.Outputs, ConvSilu = silu,
            };
            var prec = new Precision
            {
                ActBits = act, PerChannel = pc, Method = CalibMethod.Percentile,
                Kinds = new Dictionary<string, Precision.Override> { ["h"] = new(Bits: hb) },
            };
            return new Case(cfg, prec, seed);
        });

    private static long[] Inputs(IntModel m, int samples, int seed)
    {
        var rng = new Random(seed);
        int size = m.Config.InChannels * m.Config.Height * m.Config.Width;
        // Mostly in range, with the domain's extremes mixed in so that saturation paths run too.
        return [.. Enumerable.Range(0, samples * size).Select(_ => rng.Next(8) switch
        {
            0 => m.Input.Min, 1 => m.Input.Max, _ => m.Input.Clamp(rng.Next((int)Math.Min(m.Input.Min, -1), (int)Math.Max(m.Input.Max, 1) + 1)),
        })];
    }

    private static long[] ReferenceBatch(IntModel m, long[] x)
    {
        int size = m.Config.InChannels * m.Config.Height * m.Config.Width, n = x.Length / size;
        return [.. Enumerable.Range(0, n).SelectMany(i => Reference.Run(m, x.AsSpan(i * size, size)))];
    }

    [Fact]
    public void FastEqualsReferenceAtEveryWidth()
    {
        Cases.Sample(c =>
        {
            var m = RandomModel.Quantized(c.Cfg, c.Seed, c.Prec, calib: 4);
            var x = Inputs(m, 3, c.Seed + 7);
            var want = ReferenceBatch(m, x);
            foreach (var w in Enum.GetValues<VectorWidth>())
            {
                var got = FastModel.Prepare(m, w).RunBatch(x);
                Assert.True(want.SequenceEqual(got), $"{c}, width {w}: fast [{string.Join(",", got)}] != reference [{string.Join(",", want)}]");
            }
        }, iter: 40, threads: 1);
    }

    [Fact]
    public void ThreadCountDoesNotChangeTheCodes()
    {
        Cases.Sample(c =>
        {
            var m = RandomModel.Quantized(c.Cfg, c.Seed, c.Prec, calib: 4);
            var x = Inputs(m, 9, c.Seed + 3);
            var want = ReferenceBatch(m, x);
            var fm = FastModel.Prepare(m);
            foreach (int t in new[] { 1, 2, 3, 7 }) Assert.True(want.SequenceEqual(fm.RunBatch(x, t)), $"{c}, {t} threads");
        }, iter: 6, threads: 1);
    }

    // The default precisions (s8 activations, s16 state), under which the lane path's int32 proof holds.
    private static readonly Gen<Case> DefaultPrecisionCases = Cases.Select(c => c with
    {
        Prec = c.Prec with { ActBits = 8, Kinds = new Dictionary<string, Precision.Override> { ["h"] = new(Bits: 16) } },
    });

    [Fact]
    public void BatchedLanesEqualReferenceAtEveryWidthAndOddBatch()
    {
        int laned = 0, cases = 0;
        DefaultPrecisionCases.Sample(c =>
        {
            var m = RandomModel.Quantized(c.Cfg, c.Seed, c.Prec, calib: 4);
            // 35 = 2 x 16 + 3: full groups and a part-filled one at every lane count (16, 8, 4).
            var x = Inputs(m, 35, c.Seed + 5);
            var want = ReferenceBatch(m, x);
            foreach (var w in Enum.GetValues<VectorWidth>())
            {
                var fm = FastModel.Prepare(m, w);
                if (w == VectorWidths.Best) { cases++; if (fm.LaneRefusal is null) laned++; }
                foreach (int n in new[] { 1, 5, 35 })
                {
                    var got = fm.RunBatch(x.AsMemory(0, n * fm.InputSize));
                    Assert.True(want.AsSpan(0, n * fm.Outputs).SequenceEqual(got), $"{c}, width {w}, batch {n}, lanes {fm.BatchLanes} ({fm.LaneRefusal})");
                }
            }
        }, iter: 25, threads: 1);
        Assert.True(laned * 2 > cases, $"only {laned} of {cases} default-precision models ran in lanes");
    }

    [Fact]
    public void LaneGroupsDoNotDependOnTheThreadCount()
    {
        DefaultPrecisionCases.Sample(c =>
        {
            var m = RandomModel.Quantized(c.Cfg, c.Seed, c.Prec, calib: 4);
            var x = Inputs(m, 37, c.Seed + 9);
            var want = ReferenceBatch(m, x);
            var fm = FastModel.Prepare(m);
            foreach (int t in new[] { 1, 2, 3, 7 }) Assert.True(want.SequenceEqual(fm.RunBatch(x, t)), $"{c}, {t} threads, lanes {fm.BatchLanes}");
        }, iter: 4, threads: 1);
    }

    [Fact]
    public void LanePathIsProvedForTheDefaultPrecision()
    {
        var m = RandomModel.Quantized(ReferenceTests.Tiny, 3);
        foreach (var w in new[] { VectorWidth.V128, VectorWidth.V256, VectorWidth.V512 }.Where(VectorWidths.Supported))
        {
            var fm = FastModel.Prepare(m, w);
            Assert.Null(fm.LaneRefusal);
            Assert.Equal(w switch { VectorWidth.V512 => 16, VectorWidth.V256 => 8, _ => 4 }, fm.BatchLanes);
        }
        Assert.NotNull(FastModel.Prepare(m, VectorWidth.Scalar).LaneRefusal);
    }

    [Fact]
    public void WideStateIsRefusedByTheLanesAndStillExact()
    {
        // h s24: A_bar h reaches 2^15 x 2^23, past int32; the batch then runs sample by sample.
        var prec = new Precision { Kinds = new Dictionary<string, Precision.Override> { ["h"] = new(Bits: 24) } };
        var m = RandomModel.Quantized(ReferenceTests.Tiny, 4, prec, calib: 4);
        var fm = FastModel.Prepare(m);
        Assert.NotNull(fm.LaneRefusal);
        Assert.Equal(1, fm.BatchLanes);
        var x = Inputs(m, 5, 13);
        Assert.Equal(ReferenceBatch(m, x), fm.RunBatch(x));
    }

    [Fact]
    public void SampleOutsideTheInputDomainRunsAloneInsideABatch()
    {
        // The lane proof covers the input domain; a code beyond it (Run accepts any long) is computed alone, exactly.
        var m = RandomModel.Quantized(ReferenceTests.Tiny, 6);
        var fm = FastModel.Prepare(m);
        Assert.Null(fm.LaneRefusal);
        var x = Inputs(m, 20, 17);
        x[3 * fm.InputSize + 1] = m.Input.Max + 1000;
        x[19 * fm.InputSize] = m.Input.Min - 1;
        Assert.Equal(ReferenceBatch(m, x), fm.RunBatch(x));
    }

    [Fact]
    public void DefaultWidthIsTheWidestAccelerated()
    {
        var m = RandomModel.Quantized(ReferenceTests.Tiny, 1);
        Assert.Equal(VectorWidths.Best, FastModel.Prepare(m).Width);
        Assert.Equal(VectorWidth.Scalar, FastModel.Prepare(m, VectorWidth.Scalar).Width);
    }

    [Fact]
    public void WorkspaceIsReusedAcrossSamplesWithoutCarryingState()
    {
        // Run resets the window and the state: a sample after another gives the codes it gives alone.
        var m = RandomModel.Quantized(ReferenceTests.Tiny, 5);
        var fm = FastModel.Prepare(m);
        var x = Inputs(m, 2, 11);
        int size = fm.InputSize;
        var w = fm.CreateWorkspace();
        var o = new long[fm.Outputs];
        fm.Run(x.AsSpan(0, size), o, w);
        fm.Run(x.AsSpan(size, size), o, w);
        Assert.Equal(Reference.Run(m, x.AsSpan(size, size)), o);
    }

    [Fact]
    public void PwlTableIsACacheOfIntOpsPwl()
    {
        var m = RandomModel.Quantized(ReferenceTests.Tiny, 2);
        var p = m.Blocks[0].Silu;
        var t = new FastPwl(p, -100, 100);
        for (long q = -300; q <= 300; q++) Assert.Equal(IntOps.Pwl(q, p), t[q]);   // inside and outside the table
    }

    [Fact]
    public void ByteTableLookupEqualsIntOpsPwl()
    {
        // The VBMI byte-permute SiLU (16 lanes) against IntOps.Pwl on every s8 code.
        var m = RandomModel.Quantized(ReferenceTests.Tiny, 2);
        var b = m.Blocks[0];
        var range = CodeRange.Of(b.InProj.Out);
        var table = LaneTable.Pwl(b.Silu, range, new Int32Proof());
        if (LaneByteTable.TryBuild(table, range) is not { } bytes) return;   // no AVX-512 VBMI on this CPU
        for (long q0 = range.Lo; q0 <= range.Hi; q0 += 16)
        {
            var q = System.Runtime.Intrinsics.Vector512.Create([.. Enumerable.Range(0, 16).Select(i => (int)Math.Min(q0 + i, range.Hi))]);
            var got = bytes.Lookup(q);
            for (int i = 0; i < 16; i++) Assert.Equal(IntOps.Pwl(q[i], b.Silu), got[i]);
        }
    }

    [Fact]
    public void LayerBeyondTheInt32BoundAccumulatesIn64Bits()
    {
        // A 16-bit input against 127-valued weights: 2^15 x 127 x In passes 2^31 for In >= 517.
        var w = Enumerable.Repeat((sbyte)127, 600).ToArray();
        var l = new IntLinear("wide", 600, 1, w, [0], [0], [1], [0], new Domain(0, 16), new Domain(0, 32));
        var fl = new FastLinear(l);
        Assert.False(fl.Lanes);
        var x = Enumerable.Repeat(32767L, 600).ToArray();
        var y = new long[1]; var acc = new long[1];
        fl.Run(x, 0, y, new short[fl.InPad], VectorWidths.Best, acc);
        var want = new long[1];
        Reference.Linear(l, x, 0, want);
        Assert.Equal(want, y);
        Assert.True(new FastLinear(l with { InFeatures = 100, Weight = w[..100] }).Lanes);
    }
}
