using System.Text;
using CsCheck;
using EMamba.Core;

namespace EMamba.Core.Tests;

public sealed class SafetensorsTests
{
    private static TensorData[] Sample() =>
    [
        TensorData.FromFloat("w", [1.5f, -2f, 0f, 3.25f, 5f, 6f], 2, 3),
        TensorData.FromInt8("q", [-128, 0, 127], 3),
        TensorData.FromInt16("s", [-3, 4], 2),
        TensorData.FromInt32("i", [int.MinValue, 7], 2),
        TensorData.FromDouble("d", [Math.PI], 1),
        TensorData.FromInt64("l", [long.MaxValue], 1),
    ];

    [Fact]
    public void GoldenBytesPinTheFormat()
    {
        var bytes = SafetensorsFile.Serialize([TensorData.FromInt8("b", [1, -1], 2), TensorData.FromFloat("a", [1f], 1)],
            new Dictionary<string, string> { ["k"] = "v" });
        string json = """{"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"I8","shape":[2],"data_offsets":[4,6]}}""";
        var header = Encoding.UTF8.GetBytes(json + new string(' ', (8 - json.Length % 8) % 8));
        byte[] expected = [.. BitConverter.GetBytes((ulong)header.Length), .. header, 0, 0, 0x80, 0x3f, 1, 0xff];
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void EveryDtypeRoundTripsWithMetadata()
    {
        string p = Path.Combine(Directory.CreateTempSubdirectory().FullName, "m.safetensors");
        SafetensorsFile.Write(p, Sample(), new Dictionary<string, string> { ["config"] = "{\"a\": 1}", ["ü"] = "ß" });
        var f = SafetensorsFile.Read(p);
        Assert.Equal("{\"a\": 1}", f.Metadata["config"]);
        Assert.Equal("ß", f.Metadata["ü"]);
        Assert.Equal([1.5f, -2f, 0f, 3.25f, 5f, 6f], f["w"].AsFloat());
        Assert.Equal([2L, 3L], f["w"].Shape);
        Assert.Equal([(sbyte)-128, (sbyte)0, (sbyte)127], f["q"].AsInt8());
        Assert.Equal([(short)-3, (short)4], f["s"].AsInt16());
        Assert.Equal([int.MinValue, 7], f["i"].AsInt32());
        Assert.Equal([Math.PI], f["d"].AsDouble());
        Assert.Equal([long.MaxValue], f["l"].AsInt64());
        Assert.Throws<InvalidDataException>(() => f["q"].AsInt32());
        Assert.Contains("no tensor 'zz'", Assert.Throws<EMambaException>(() => f["zz"]).Message);
    }

    [Fact]
    public void RandomTensorsRoundTripAndSerializeDeterministically()
    {
        Gen.Int[0, 4].SelectMany(r => Gen.Int[0, 4].Array[r]).SelectMany(s => Gen.Float.Array[s.Aggregate(1, (a, b) => a * b)].Select(d => (s, d)))
            .Sample(t =>
            {
                var td = TensorData.FromFloat("x", t.d, t.s.Select(v => (long)v).ToArray());
                var bytes = SafetensorsFile.Serialize([td]);
                Assert.Equal(bytes, SafetensorsFile.Serialize([td]));
                var back = SafetensorsFile.Parse(bytes, "mem")["x"];
                Assert.Equal(t.d, back.AsFloat());
            }, iter: 100);
    }

    [Fact]
    public void EveryTruncationIsAFormatError()
    {
        var bytes = SafetensorsFile.Serialize(Sample(), new Dictionary<string, string> { ["a"] = "b" });
        for (int n = 0; n < bytes.Length; n++)
        {
            var e = Assert.Throws<FileFormatException>(() => SafetensorsFile.Parse(bytes[..n], "cut.safetensors"));
            Assert.Contains("cut.safetensors", e.Message);
        }
    }

    [Fact]
    public void RandomHeaderCorruptionIsOnlyEverAFormatError()
    {
        var bytes = SafetensorsFile.Serialize(Sample());
        Gen.Int[0, bytes.Length - 1].Select(Gen.Byte).Sample(t =>
        {
            var copy = (byte[])bytes.Clone();
            copy[t.Item1] = t.Item2;
            try { SafetensorsFile.Parse(copy, "x"); }
            catch (FileFormatException) { }
        }, iter: 2000);
    }

    private static byte[] WithHeader(string json, int dataBytes)
    {
        var h = Encoding.UTF8.GetBytes(json);
        return [.. BitConverter.GetBytes((ulong)h.Length), .. h, .. new byte[dataBytes]];
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}""", 4, "dtype")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "non-negative")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}""", 4, "overflow")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 4, "needs 8 bytes")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", 4, "outside")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}""", 4, "outside")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}}""", 8, "overlaps")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "belong to no tensor")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "after the last tensor")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "duplicate")]
    [InlineData("""{"__metadata__":{"k":3}}""", 0, "not a string")]
    [InlineData("""[1,2]""", 0, "JSON object")]
    [InlineData("""{"a":""", 0, "not valid JSON")]
    public void MalformedHeadersAreRejected(string json, int dataBytes, string fragment)
    {
        var e = Assert.Throws<FileFormatException>(() => SafetensorsFile.Parse(WithHeader(json, dataBytes), "bad.st"));
        Assert.Contains(fragment, e.Message);
        Assert.Contains("bad.st", e.Message);
    }

    [Fact]
    public void HugeHeaderLengthIsRejectedWithoutAllocating()
    {
        byte[] b = [.. BitConverter.GetBytes(ulong.MaxValue), 1, 2, 3];
        Assert.Contains("exceeds", Assert.Throws<FileFormatException>(() => SafetensorsFile.Parse(b, "h")).Message);
        b = [.. BitConverter.GetBytes(1000UL), 1, 2, 3];
        Assert.Contains("past the end", Assert.Throws<FileFormatException>(() => SafetensorsFile.Parse(b, "h")).Message);
    }
}
