using System.Text;
using CsCheck;
using EMamba.Core;

namespace EMamba.Core.Tests;

/// <summary>Shared inputs for the safetensors tests.</summary>
internal static class St
{
    public static TensorData[] Sample() =>
    [
        TensorData.FromFloat("w", [1.5f, -2f, 0f, 3.25f, 5f, 6f], 2, 3),
        TensorData.FromInt8("q", [-128, 0, 127], 3),
        TensorData.FromInt16("s", [-3, 4], 2),
        TensorData.FromInt32("i", [int.MinValue, 7], 2),
        TensorData.FromDouble("d", [Math.PI], 1),
        TensorData.FromInt64("l", [long.MaxValue], 1),
        new TensorData("e", TensorDType.U8, [0, 3], []),
    ];

    /// <summary>One tensor of any dtype, rank 0..4, dimensions 0..4, random bytes and a short name.</summary>
    public static readonly Gen<TensorData> Tensor =
        Gen.Select(Gen.Char["ab.Z_0é"].Array[0, 5], Gen.Enum<TensorDType>(), Gen.Long[0, 4].Array[0, 4])
            .SelectMany(t => Gen.Byte.Array[(int)(t.Item3.Aggregate(1L, (a, b) => a * b) * t.Item2.Size())]
                .Select(bytes => new TensorData(new string(t.Item1), t.Item2, t.Item3, bytes)));

    /// <summary>0..6 tensors with distinct names and 0..3 metadata entries.</summary>
    public static readonly Gen<(TensorData[] Tensors, Dictionary<string, string> Meta)> File =
        Gen.Select(Tensor.Array[0, 6], Gen.Select(Gen.String[0, 4], Gen.String[0, 8]).Array[0, 3])
            .Select(t => (t.Item1.DistinctBy(x => x.Name).ToArray(),
                          t.Item2.DistinctBy(kv => kv.Item1).ToDictionary(kv => kv.Item1, kv => kv.Item2)));

    public static string TempPath(string name = "m.safetensors") => Path.Combine(Directory.CreateTempSubdirectory("st").FullName, name);

    public static void AssertSame(IEnumerable<TensorData> expected, SafetensorsFile actual)
    {
        var e = expected.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        Assert.Equal(e.Select(t => t.Name), actual.Tensors.Select(t => t.Name));
        foreach (var (x, y) in e.Zip(actual.Tensors))
        {
            Assert.Equal(x.DType, y.DType);
            Assert.Equal(x.Shape, y.Shape);
            Assert.Equal(x.ElementCount, y.ElementCount);
            Assert.Equal(x.Bytes, y.Bytes);
        }
    }
}

public sealed class SafetensorsTests
{
    /// <summary>Header JSON + padding + data, built by hand: pins the exact bytes the writer produces.</summary>
    private static byte[] Golden(string json, params byte[] data)
    {
        var header = Encoding.UTF8.GetBytes(json);
        header = [.. header, .. Enumerable.Repeat((byte)' ', (8 - header.Length % 8) % 8)];
        return [.. BitConverter.GetBytes((ulong)header.Length), .. header, .. data];
    }

    [Fact]
    public void GoldenBytesPinTheFormat()
    {
        TensorData[] tensors = [TensorData.FromInt8("b", [1, -1], 2), TensorData.FromFloat("a", [1f], 1)];
        var meta = new Dictionary<string, string> { ["k"] = "v", ["cfg"] = "{\"x\": \"ü\"}" };
        byte[] expected = Golden(
            """{"__metadata__":{"cfg":"{\"x\": \"ü\"}","k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I8","shape":[2],"data_offsets":[4,6]}}""",
            0, 0, 0x80, 0x3f, 1, 0xff);
        Assert.Equal(0, (expected.Length - 8 - 6) % 8);
        Assert.Equal(expected, SafetensorsFile.Serialize(tensors, meta));

        string p = St.TempPath();
        SafetensorsFile.Write(p, tensors, meta);
        Assert.Equal(expected, File.ReadAllBytes(p));
        var f = SafetensorsFile.Read(p);
        Assert.Equal("{\"x\": \"ü\"}", f.Metadata["cfg"]);
        Assert.Equal([1f], f["a"].AsFloat());
    }

    [Fact]
    public void GoldenBytesOfScalarAndEmptyTensorsWithoutMetadata()
    {
        TensorData[] tensors = [TensorData.FromDouble("s", [1.0]), new TensorData("e", TensorDType.BF16, [2, 0], [])];
        byte[] expected = Golden(
            """{"e":{"dtype":"BF16","shape":[2,0],"data_offsets":[0,0]},"s":{"dtype":"F64","shape":[],"data_offsets":[0,8]}}""",
            0, 0, 0, 0, 0, 0, 0xf0, 0x3f);
        Assert.Equal(expected, SafetensorsFile.Serialize(tensors));
        Assert.Equal(expected, SafetensorsFile.Serialize(tensors, new Dictionary<string, string>()));
        var f = SafetensorsFile.Parse(expected, "g");
        Assert.Empty(f["s"].Shape);
        Assert.Equal(1, f["s"].ElementCount);
        Assert.Equal(0, f["e"].ElementCount);
        Assert.Empty(f.Metadata);
    }

    [Fact]
    public void MatchesTheReferenceImplementationsTestVectors()
    {
        // Byte vectors from the unit tests of the Hugging Face Rust crate (safetensors/src/tensor.rs).
        byte[] attn =
        [
            64, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 46, 48, 34, 58, 123, 34, 100,
            116, 121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34,
            58, 91, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102, 115,
            101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 0, 0, 0, 0, 0, 0, 128, 63,
            0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64,
        ];
        Assert.Equal(attn, SafetensorsFile.Serialize([TensorData.FromFloat("attn.0", [0, 1, 2, 3, 4, 5], 1, 2, 3)]));
        Assert.Equal([0f, 1, 2, 3, 4, 5], SafetensorsFile.Parse(attn, "attn")["attn.0"].AsFloat());

        byte[] padded =
        [
            72, 0, 0, 0, 0, 0, 0, 0, 123, 34, 97, 116, 116, 110, 48, 34, 58, 123, 34, 100, 116,
            121, 112, 101, 34, 58, 34, 70, 51, 50, 34, 44, 34, 115, 104, 97, 112, 101, 34, 58,
            91, 49, 44, 49, 44, 50, 44, 51, 93, 44, 34, 100, 97, 116, 97, 95, 111, 102, 102,
            115, 101, 116, 115, 34, 58, 91, 48, 44, 50, 52, 93, 125, 125, 32, 32, 32, 32, 32,
            32, 32, 0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0,
            160, 64,
        ];
        Assert.Equal(padded, SafetensorsFile.Serialize([TensorData.FromFloat("attn0", [0, 1, 2, 3, 4, 5], 1, 1, 2, 3)]));

        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32], SafetensorsFile.Serialize([]));
        byte[] framework =
        [
            40, 0, 0, 0, 0, 0, 0, 0, 123, 34, 95, 95, 109, 101, 116, 97, 100, 97, 116, 97, 95,
            95, 34, 58, 123, 34, 102, 114, 97, 109, 101, 119, 111, 114, 107, 34, 58, 34, 112,
            116, 34, 125, 125, 32, 32, 32, 32, 32,
        ];
        Assert.Equal(framework, SafetensorsFile.Serialize([], new Dictionary<string, string> { ["framework"] = "pt" }));
        Assert.Equal("pt", SafetensorsFile.Parse(framework, "fw").Metadata["framework"]);

        // The example in the crate's documentation: I32 [2,2], 60-byte header, no padding.
        byte[] doc = [60, 0, 0, 0, 0, 0, 0, 0,
            .. """{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}"""u8, .. new byte[16]];
        Assert.Equal([0, 0, 0, 0], SafetensorsFile.Parse(doc, "doc")["test"].AsInt32());
    }

    [Fact]
    public void ReadsFilesOtherWritersProduce()
    {
        // Order of keys, whitespace, metadata placement, tensor order versus offset order and extra
        // keys are all free in the format; the reference writer pads with spaces.
        string json = "{\n  \"b\": {\"data_offsets\": [0, 4], \"shape\": [2], \"dtype\": \"U16\", \"extra\": {\"x\": [1, 2]}},\n" +
                      "  \"a\": {\"dtype\": \"BOOL\", \"shape\": [1, 2], \"data_offsets\": [4, 6]},\n" +
                      "  \"__metadata__\": {\"format\": \"pt\"}\n}    ";
        byte[] h = Encoding.UTF8.GetBytes(json);
        byte[] file = [.. BitConverter.GetBytes((ulong)h.Length), .. h, 1, 0, 0xff, 0xff, 1, 0];
        var f = SafetensorsFile.Parse(file, "hf.safetensors");
        Assert.Equal(["a", "b"], f.Tensors.Select(t => t.Name));
        Assert.Equal(TensorDType.Bool, f["a"].DType);
        Assert.Equal([(byte)1, (byte)0], f["a"].Bytes);
        Assert.Equal([(byte)1, 0, 0xff, 0xff], f["b"].Bytes);
        Assert.Equal("pt", f.Metadata["format"]);

        // Listed before an empty tensor at the same offset: the order of the header is free.
        var z = SafetensorsFile.Parse(Golden("""{"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}""", 0, 0, 0x80, 0x3f), "z");
        Assert.Equal([1f], z["b"].AsFloat());
        Assert.Empty(z["a"].AsFloat());

        Assert.Empty(SafetensorsFile.Parse(Golden("{}"), "empty").Tensors);
        Assert.Empty(SafetensorsFile.Parse(Golden("""{"__metadata__":null}"""), "null-meta").Metadata);
    }

    [Fact]
    public void ZeroSizedTensorMaySitAtTheOffsetOfAnother()
    {
        // Sorting by begin alone (unstable) could put [0,4] before [0,0] and report an overlap.
        for (int i = 0; i < 20; i++)
        {
            var names = Enumerable.Range(0, 8).Select(k => $"z{(k * 7 + i) % 8}").ToArray();
            var tensors = names.Select((n, k) => k % 3 == 0 ? TensorData.FromFloat(n, [k], 1) : new TensorData(n, TensorDType.F32, [0], [])).ToArray();
            St.AssertSame(tensors, SafetensorsFile.Parse(SafetensorsFile.Serialize(tensors), "z"));
        }
    }

    [Fact]
    public void TypedValuesRoundTripThroughAFileWithMetadata()
    {
        string p = St.TempPath();
        SafetensorsFile.Write(p, St.Sample(), new Dictionary<string, string> { ["config"] = "{\"a\": 1}", ["ü"] = "ß", [""] = "" });
        var f = SafetensorsFile.Read(p);
        Assert.Equal(p, f.Source);
        Assert.Equal(3, f.Metadata.Count);
        Assert.Equal("{\"a\": 1}", f.Metadata["config"]);
        Assert.Equal("ß", f.Metadata["ü"]);
        Assert.Equal("", f.Metadata[""]);
        Assert.Equal([1.5f, -2f, 0f, 3.25f, 5f, 6f], f["w"].AsFloat());
        Assert.Equal([2L, 3L], f["w"].Shape);
        Assert.Equal([(sbyte)-128, (sbyte)0, (sbyte)127], f["q"].AsInt8());
        Assert.Equal([(short)-3, (short)4], f["s"].AsInt16());
        Assert.Equal([int.MinValue, 7], f["i"].AsInt32());
        Assert.Equal([Math.PI], f["d"].AsDouble());
        Assert.Equal([long.MaxValue], f["l"].AsInt64());
        Assert.Equal([0L, 3L], f["e"].Shape);
        Assert.Equal(["d", "e", "i", "l", "q", "s", "w"], f.Tensors.Select(t => t.Name));
        Assert.True(f.Contains("w"));
        Assert.False(f.Contains("W"));
        Assert.True(f.TryGet("q", out var q) && q.DType == TensorDType.I8);
        Assert.False(f.TryGet("nope", out _));
        Assert.Equal(p, f["w"].Source);
    }

    [Fact]
    public void EveryDtypeAndShapeRoundTripsByteForByte()
    {
        St.File.Sample(t =>
        {
            var bytes = SafetensorsFile.Serialize(t.Tensors, t.Meta);
            Assert.Equal(0, BitConverter.ToInt64(bytes) % 8);
            var f = SafetensorsFile.Parse(bytes, "mem");
            St.AssertSame(t.Tensors, f);
            Assert.Equal(t.Meta.OrderBy(kv => kv.Key, StringComparer.Ordinal), f.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal));
            // Writing what was read gives the same bytes.
            Assert.Equal(bytes, SafetensorsFile.Serialize(f.Tensors, f.Metadata));
        }, iter: 500);
    }

    [Fact]
    public void WriteAndReadAgreeWithSerializeAndParse()
    {
        St.File.Sample(t =>
        {
            string p = St.TempPath();
            SafetensorsFile.Write(p, t.Tensors, t.Meta);
            Assert.Equal(SafetensorsFile.Serialize(t.Tensors, t.Meta), File.ReadAllBytes(p));
            St.AssertSame(t.Tensors, SafetensorsFile.Read(p));
            using var ms = new MemoryStream();
            SafetensorsFile.WriteTo(ms, t.Tensors, t.Meta);
            Assert.Equal(File.ReadAllBytes(p), ms.ToArray());
            Directory.Delete(Path.GetDirectoryName(p)!, true);
        }, iter: 40);
    }

    [Fact]
    public void BytesAreDeterministicWhateverTheInputOrder()
    {
        St.File.SelectMany(t => Gen.Shuffle(t.Tensors.ToArray()).Select(s => (t.Tensors, t.Meta, Shuffled: s))).Sample(t =>
        {
            var a = SafetensorsFile.Serialize(t.Tensors, t.Meta);
            Assert.Equal(a, SafetensorsFile.Serialize(t.Tensors, t.Meta));
            var reversedMeta = t.Meta.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value);
            Assert.Equal(a, SafetensorsFile.Serialize(t.Shuffled, reversedMeta));
        }, iter: 200);
    }

    [Fact]
    public void AsFloatWidensHalfAndBFloatAndNarrowsDouble()
    {
        var f16 = new TensorData("h", TensorDType.F16, [4], [0x00, 0x3c, 0x00, 0xc1, 0xff, 0x7b, 0x00, 0x7c]); // 1, -2.5, 65504, +inf
        Assert.Equal([1f, -2.5f, 65504f, float.PositiveInfinity], f16.AsFloat());
        var bf16 = new TensorData("b", TensorDType.BF16, [3], [0x80, 0x3f, 0x20, 0xc0, 0x49, 0x40]);            // 1, -2.5, 3.140625
        Assert.Equal([1f, -2.5f, 3.140625f], bf16.AsFloat());
        Assert.Equal([(float)Math.PI, 0f], TensorData.FromDouble("d", [Math.PI, 1e-50], 2).AsFloat());
    }

    [Fact]
    public void AskingForTheWrongDtypeNamesFileTensorAndBothTypes()
    {
        var f = SafetensorsFile.Parse(SafetensorsFile.Serialize(St.Sample()), "model.safetensors");
        var e = Assert.Throws<EMambaException>(() => f["q"].AsInt32());
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        foreach (var s in new[] { "model.safetensors", "'q'", "I8", "I32" }) Assert.Contains(s, e.Message);
        Assert.Contains("F32, F64, F16 or BF16", Assert.Throws<EMambaException>(() => f["i"].AsFloat()).Message);
        Assert.Throws<EMambaException>(() => f["w"].AsDouble());
        Assert.Throws<EMambaException>(() => f["w"].AsInt8());
        Assert.Throws<EMambaException>(() => f["w"].AsInt16());
        Assert.Throws<EMambaException>(() => f["w"].AsInt64());
        Assert.StartsWith("tensor 'm'", Assert.Throws<EMambaException>(() => TensorData.FromInt8("m", [1]).AsFloat()).Message);
    }

    [Fact]
    public void MissingTensorErrorNamesFileTensorAndNearestNames()
    {
        var tensors = Enumerable.Range(0, 12).Select(i => TensorData.FromFloat($"blocks.{i}.weight", [i], 1)).Append(TensorData.FromFloat("head.bias", [0], 1));
        var f = SafetensorsFile.Parse(SafetensorsFile.Serialize(tensors), "ckpt.safetensors");
        var e = Assert.Throws<EMambaException>(() => f["head.weight"]);
        Assert.Contains("ckpt.safetensors", e.Message);
        Assert.Contains("'head.weight'", e.Message);
        Assert.Contains("head.bias", e.Message);
        Assert.Contains("13", e.Message);
        Assert.Contains("no tensors", Assert.Throws<EMambaException>(() => SafetensorsFile.Parse(Golden("{}"), "e")["x"]).Message);
    }

    [Fact]
    public void TensorDataChecksItsShapeAndBytes()
    {
        Assert.Throws<ArgumentException>(() => new TensorData("x", TensorDType.F32, [2], new byte[7]));
        Assert.Throws<ArgumentException>(() => new TensorData("x", TensorDType.F32, [-1], []));
        Assert.Throws<ArgumentException>(() => new TensorData("x", TensorDType.U8, [1L << 62, 4], []));
        Assert.Throws<ArgumentException>(() => TensorData.FromFloat("x", [1, 2, 3], 2, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => new TensorData("x", (TensorDType)99, [], [0]));
        Assert.Equal([3L], TensorData.FromInt32("x", [1, 2, 3]).Shape);
        Assert.Empty(TensorData.FromInt32("x", [1]).Shape);
        Assert.Equal([0L], TensorData.FromInt32("x", []).Shape);
        long[] shape = [2];
        var t = TensorData.FromInt16("x", [1, 2], shape);
        shape[0] = 5;
        Assert.Equal([2L], t.Shape);
    }

    [Fact]
    public void DtypeNamesAndSizesAreTheFormats()
    {
        Assert.Equal(13, TensorDTypes.All.Count);
        string[] names = ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL"];
        int[] sizes = [8, 4, 2, 2, 8, 4, 2, 1, 8, 4, 2, 1, 1];
        Assert.Equal(names, TensorDTypes.All.Select(d => d.Name()));
        Assert.Equal(sizes, TensorDTypes.All.Select(d => d.Size()));
        foreach (var d in TensorDTypes.All) Assert.True(TensorDTypes.TryParse(d.Name(), out var back) && back == d);
        Assert.False(TensorDTypes.TryParse("f32", out _));
        Assert.False(TensorDTypes.TryParse("Bool", out _));
        Assert.Equal(4, TensorDTypes.All.Count(d => d.IsFloatingPoint()));
    }

    [Fact]
    public void WriterRejectsBadInputBeforeTouchingTheDisk()
    {
        string p = St.TempPath();
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() =>
            SafetensorsFile.Write(p, [TensorData.FromInt8("a", [1]), TensorData.FromInt8("a", [2])])).Message);
        Assert.Contains("__metadata__", Assert.Throws<ArgumentException>(() =>
            SafetensorsFile.Write(p, [TensorData.FromInt8("__metadata__", [1])])).Message);
        Assert.Throws<ArgumentException>(() => SafetensorsFile.Write(p, [null!]));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(p)!));
    }

    [Fact]
    public void ReadingAMissingFileIsABadInputErrorNotAFormatError()
    {
        var e = Assert.Throws<EMambaException>(() => SafetensorsFile.Read("/nonexistent/dir/m.safetensors"));
        Assert.Equal(ExitCodes.BadInput, e.ExitCode);
        Assert.Contains("not found", e.Message);
        Assert.Equal(ExitCodes.BadInput, Assert.Throws<EMambaException>(() => SafetensorsFile.Read(Path.GetTempPath())).ExitCode);
        if (File.Exists("/dev/null"))
            Assert.Equal(ExitCodes.BadInput, Assert.ThrowsAny<EMambaException>(() => SafetensorsFile.Read("/dev/null")).ExitCode);
    }
}
