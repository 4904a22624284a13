using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Engine.Quantize;

namespace EMamba.Engine.Tests;

/// <summary>The emamba-int/1 file (docs/integer.md §16): a round trip keeps every field, and a hostile
/// file is refused with one <see cref="EMambaException"/> (exit code BadInput) naming the file and the
/// problem, never another exception type and never a large allocation.</summary>
public sealed class QuantFileTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("emamba-qf-").FullName;
    public void Dispose() => Directory.Delete(dir, recursive: true);

    internal static readonly ModelConfig Vision = new()
    {
        Task = TaskKind.Fmnist, Head = Head.Classify, InChannels = 1, Height = 28, Width = 28, Patch = 7,
        DModel = 8, Expand = 2, DState = 4, NLayers = 1, NumOutputs = 10,
    };

    // Radar without the conv SiLU, so both shapes of a block are covered.
    internal static readonly ModelConfig Radar = ReferenceTests.Tiny with { ConvSilu = false };

    private static readonly Lazy<IntModel> Base = new(() => RandomModel.Quantized(ReferenceTests.Tiny, 11));

    private string Write(IntModel m, string name = "m.q.safetensors")
    {
        string p = Path.Combine(dir, name);
        QuantFile.Write(p, m, new Precision().ToJson(), "{}", "{}");
        return p;
    }

    // ------------------------------------------------------------ round trip

    public static TheoryData<string, bool> RoundTripCases => new() { { "vision", false }, { "vision", true }, { "radar", false }, { "radar", true } };

    [Theory]
    [MemberData(nameof(RoundTripCases))]
    public void RoundTripKeepsEveryField(string kind, bool perChannel)
    {
        var cfg = kind == "vision" ? Vision : Radar;
        var m = RandomModel.Quantized(cfg, 5, new Precision { Method = CalibMethod.Percentile, PerChannel = perChannel });
        if (perChannel) Assert.Contains(m.Blocks.SelectMany(b => new[] { b.InProj, b.XProj, b.OutProj }), l => l.WeightFrac.Distinct().Count() > 1);
        var back = QuantFile.Read(Write(m));
        AssertDeepEqual(m, back, "model");
        Assert.Equal(cfg.ConvSilu, back.Blocks[0].ConvSilu != null);
    }

    // Every public property, recursively; arrays element by element (records compare arrays by reference).
    private static void AssertDeepEqual(object? a, object? b, string path, int depth = 0)
    {
        Assert.True(depth < 12, $"{path}: too deep");
        if (a is null || b is null) { Assert.True(a is null && b is null, $"{path}: one side is null"); return; }
        Assert.Equal(a.GetType(), b.GetType());
        var t = a.GetType();
        if (t.IsPrimitive || t.IsEnum || a is string or decimal) { Assert.True(a.Equals(b), $"{path}: {a} != {b}"); return; }
        if (a is IEnumerable ea && b is IEnumerable eb)
        {
            var la = ea.Cast<object?>().ToList(); var lb = eb.Cast<object?>().ToList();
            Assert.True(la.Count == lb.Count, $"{path}: {la.Count} != {lb.Count} elements");
            for (int i = 0; i < la.Count; i++) AssertDeepEqual(la[i], lb[i], $"{path}[{i}]", depth + 1);
            return;
        }
        foreach (var p in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            if (p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract")
                AssertDeepEqual(p.GetValue(a), p.GetValue(b), path + "." + p.Name, depth + 1);
    }

    // ------------------------------------------------------------ hostile files

    /// <summary>A copy of <paramref name="src"/> with its tensors and metadata edited and the checksum
    /// recomputed, so that the defect under test is the only one.</summary>
    private string Rewrite(string src, string name, Action<List<TensorData>, Dictionary<string, string>> edit)
    {
        var f = SafetensorsFile.Read(src);
        var tensors = f.Tensors.ToList();
        var meta = f.Metadata.ToDictionary(kv => kv.Key, kv => kv.Value);
        edit(tensors, meta);
        meta["checksum"] = QuantFile.Checksum(tensors, meta);
        string p = Path.Combine(dir, name);
        SafetensorsFile.Write(p, tensors, meta);
        return p;
    }

    private static void Put(List<TensorData> ts, TensorData t) { ts.RemoveAll(x => x.Name == t.Name); ts.Add(t); }

    private static TensorData Get(List<TensorData> ts, string name) => ts.Single(x => x.Name == name);

    private static void EditDomain(Dictionary<string, string> meta, string name, Action<JsonObject> edit)
    {
        var o = JsonNode.Parse(meta["domains"])!.AsObject();
        if (name.Length > 0) edit(o[name]!.AsObject()); else edit(o);
        meta["domains"] = o.ToJsonString();
    }

    /// <summary>Reading fails with an EMambaException (BadInput) naming the file and every given phrase,
    /// without allocating more than a few MB.</summary>
    private static void Refused(string path, params string[] phrases)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Record.Exception(() => QuantFile.Read(path));
        long used = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.NotNull(e);
        var em = Assert.IsAssignableFrom<EMambaException>(e);
        Assert.Equal(ExitCodes.BadInput, em.ExitCode);
        Assert.Contains(path, em.Message);
        foreach (var p in phrases) Assert.Contains(p, em.Message, StringComparison.OrdinalIgnoreCase);
        Assert.True(used < 32 << 20, $"refusing {path} allocated {used:N0} bytes");
    }

    [Fact]
    public void TheUnchangedRewriteIsAccepted()
    {
        // Guards every test below: the helper alone makes a valid file.
        var p = Rewrite(Write(Base.Value), "same.q.safetensors", (_, _) => { });
        Assert.Equal(Reference.Run(Base.Value, new long[5 * 8 * 8]), Reference.Run(QuantFile.Read(p), new long[5 * 8 * 8]));
    }

    [Fact]
    public void TruncatedFilesAreRefused()
    {
        var bytes = File.ReadAllBytes(Write(Base.Value));
        foreach (int len in new[] { 0, 3, 8, 9, 40, bytes.Length / 2, bytes.Length - 1 })
        {
            string p = Path.Combine(dir, $"cut{len}.q.safetensors");
            File.WriteAllBytes(p, bytes.AsSpan(0, len).ToArray());
            Refused(p);
        }
    }

    [Fact]
    public void AFlippedByteInATensorIsAChecksumMismatch()
    {
        var bytes = File.ReadAllBytes(Write(Base.Value));
        bytes[^10] ^= 0x01;  // the data section ends the file
        string p = Path.Combine(dir, "flip.q.safetensors");
        File.WriteAllBytes(p, bytes);
        Refused(p, "checksum mismatch");
    }

    [Fact]
    public void AWeightOfTheWrongDtypeIsRefused()
    {
        var p = Rewrite(Write(Base.Value), "dtype.q.safetensors", (ts, _) =>
        {
            var w = Get(ts, "blocks.0.in_proj.weight");
            Put(ts, TensorData.FromInt16(w.Name, [.. w.AsInt8().Select(v => (short)v)], w.Shape));
        });
        Refused(p, "blocks.0.in_proj.weight", "I16", "expected I8");
    }

    [Fact]
    public void AWeightOfTheWrongShapeIsRefused()
    {
        var p = Rewrite(Write(Base.Value), "shape.q.safetensors", (ts, _) =>
        {
            var w = Get(ts, "blocks.0.in_proj.weight");
            Put(ts, new TensorData(w.Name, w.DType, [w.Shape[1], w.Shape[0]], w.Bytes));
        });
        Refused(p, "blocks.0.in_proj.weight", "shape");
    }

    [Fact]
    public void AMissingTensorIsRefused()
    {
        var p = Rewrite(Write(Base.Value), "missing.q.safetensors", (ts, _) => ts.RemoveAll(t => t.Name == "blocks.1.D"));
        Refused(p, "blocks.1.D");
    }

    [Fact]
    public void AShiftOutOfRangeIsRefused()
    {
        var p = Rewrite(Write(Base.Value), "shift.q.safetensors", (ts, _) =>
        {
            var s = Get(ts, "blocks.0.x_proj.shift"); var v = s.AsInt32(); v[0] = 99;
            Put(ts, TensorData.FromInt32(s.Name, v, s.Shape));
        });
        Refused(p, "blocks.0.x_proj.shift", "shift 99");
    }

    [Fact]
    public void AZeroMultiplierIsRefused()
    {
        var p = Rewrite(Write(Base.Value), "mult.q.safetensors", (ts, _) =>
        {
            var s = Get(ts, "head.mult"); var v = s.AsInt64(); v[^1] = 0;
            Put(ts, TensorData.FromInt64(s.Name, v, s.Shape));
        });
        Refused(p, "head.mult", "multiplier 0");
    }

    [Theory]
    [InlineData("blocks.0.h", 30, "state width 30")]
    [InlineData("blocks.1.r", 40, "bits 40")]
    [InlineData("blocks.0.exp.out", 20, "frac = bits - 1")]
    public void AWidthOutOfRangeIsRefused(string domain, int bits, string phrase)
    {
        var p = Rewrite(Write(Base.Value), $"width-{domain}-{bits}.q.safetensors", (_, meta) => EditDomain(meta, domain, o => o["bits"] = bits));
        Refused(p, domain, phrase);
    }

    [Fact]
    public void AFracOutOfRangeIsRefused()
    {
        var p = Rewrite(Write(Base.Value), "frac.q.safetensors", (_, meta) => EditDomain(meta, "blocks.0.y", o => o["frac"] = 1000));
        Refused(p, "blocks.0.y", "frac 1000");
    }

    [Fact]
    public void ANonIncreasingKnotTableIsRefused()
    {
        var p = Rewrite(Write(Base.Value), "knots.q.safetensors", (ts, _) =>
        {
            var k = Get(ts, "blocks.0.exp.knots"); var v = k.AsInt64(); (v[1], v[2]) = (v[2], v[1]);
            Put(ts, TensorData.FromInt64(k.Name, v, k.Shape));
        });
        Refused(p, "blocks.0.exp.knots", "increase strictly");
    }

    [Fact]
    public void AMissingDomainIsRefused()
    {
        var p = Rewrite(Write(Base.Value), "nodomain.q.safetensors", (_, meta) => EditDomain(meta, "", o => o.Remove("blocks.1.y")));
        Refused(p, "domains", "blocks.1.y");
    }

    [Theory]
    [InlineData("{\"frac\": \"three\", \"bits\": 8, \"unsigned\": false}")]
    [InlineData("{\"frac\": 1e30, \"bits\": 8, \"unsigned\": false}")]
    [InlineData("{\"bits\": 8, \"unsigned\": false}")]
    [InlineData("7")]
    [InlineData("null")]
    [InlineData("[1, 2]")]
    public void AMalformedDomainEntryIsRefused(string entry)
    {
        var p = Rewrite(Write(Base.Value), "baddomain.q.safetensors", (_, meta) =>
        {
            var o = JsonNode.Parse(meta["domains"])!.AsObject();
            o["blocks.0.u0"] = entry == "null" ? null : JsonNode.Parse(entry);
            meta["domains"] = o.ToJsonString();
        });
        Refused(p, "blocks.0.u0");
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("[1, 2, 3]")]
    [InlineData("")]
    public void DomainsMetadataThatIsNotAJsonObjectIsRefused(string domains)
    {
        var p = Rewrite(Write(Base.Value), "notjson.q.safetensors", (_, meta) => meta["domains"] = domains);
        Refused(p, "domains");
    }

    [Fact]
    public void MissingMetadataIsRefused()
    {
        foreach (var key in new[] { "checksum", "config", "normalizer", "domains" })
        {
            string src = Write(Base.Value);
            string p;
            if (key == "checksum")
            {
                var f = SafetensorsFile.Read(src);
                p = Path.Combine(dir, "nochecksum.q.safetensors");
                SafetensorsFile.Write(p, f.Tensors, f.Metadata.Where(kv => kv.Key != "checksum").ToDictionary());
            }
            else p = Rewrite(src, $"no{key}.q.safetensors", (_, meta) => meta.Remove(key));
            Refused(p, key);
        }
    }

    [Fact]
    public void AFloatCheckpointIsRefusedWithTheAdviceToQuantizeIt()
    {
        string p = Path.Combine(dir, "float.safetensors");
        RandomCheckpoint.Write(p, ReferenceTests.Tiny, 1);
        Refused(p, "float checkpoint", "emamba quantize");
    }

    [Fact]
    public void AFileThatIsNotSafetensorsIsRefused()
    {
        string p = Path.Combine(dir, "text.q.safetensors");
        File.WriteAllText(p, "this is not a model, just some text that happens to be long enough");
        Refused(p);
    }

    [Fact]
    public void AMissingFileIsRefused() => Refused(Path.Combine(dir, "absent.q.safetensors"));

    // Linked domains: a consumer reads codes by its own input domain, so a file whose link disagrees
    // would index the range norm's table out of bounds or break the accumulator proof (found by these tests).
    [Theory]
    [InlineData("blocks.1.norm.in", "bits", 4, "blocks.0.r")]
    [InlineData("norm_f.in", "frac", 2, "blocks.1.r")]
    [InlineData("blocks.0.in_proj.in", "bits", 2, "blocks.0.norm.out")]
    [InlineData("blocks.0.x_proj.in", "frac", 0, "blocks.0.u")]
    [InlineData("blocks.0.silu.in", "frac", 1, "blocks.0.z")]
    [InlineData("blocks.0.exp.in", "frac", 3, "blocks.0.e")]
    [InlineData("blocks.1.out_proj.in", "bits", 3, "blocks.1.g")]
    [InlineData("blocks.0.z", "bits", 12, "in_proj")]
    [InlineData("blocks.1.B", "bits", 4, "x_proj")]
    [InlineData("head.in", "bits", 8, "pooled")]
    [InlineData("output", "frac", 1, "head.out")]
    public void ALinkedDomainThatDisagreesIsRefused(string domain, string field, int value, string phrase)
    {
        var p = Rewrite(Write(Base.Value), $"link-{domain}.q.safetensors", (_, meta) => EditDomain(meta, domain, o => o[field] = value));
        Refused(p, domain, phrase);
    }

}
