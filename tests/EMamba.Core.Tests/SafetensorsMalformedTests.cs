using System.Text;
using CsCheck;
using EMamba.Core;

namespace EMamba.Core.Tests;

/// <summary>Every way a file can be wrong is a <see cref="FileFormatException"/> naming the file and
/// the byte offset, from both <see cref="SafetensorsFile.Parse"/> and the streaming
/// <see cref="SafetensorsFile.Read"/>; never another exception, never a big allocation.</summary>
public sealed class SafetensorsMalformedTests
{
    private static byte[] WithHeader(string json, int dataBytes) => WithHeader(Encoding.UTF8.GetBytes(json), dataBytes);

    private static byte[] WithHeader(byte[] h, int dataBytes) => [.. BitConverter.GetBytes((ulong)h.Length), .. h, .. new byte[dataBytes]];

    /// <summary>Parses in memory and from disk; both must fail the same way. Returns the Parse error.</summary>
    private static FileFormatException Reject(byte[] bytes, string name = "bad.safetensors")
    {
        var e = Assert.Throws<FileFormatException>(() => SafetensorsFile.Parse(bytes, name));
        Assert.Contains(name, e.Message);
        Assert.Equal(name, e.Path);
        string p = St.TempPath(name);
        File.WriteAllBytes(p, bytes);
        var r = Assert.Throws<FileFormatException>(() => SafetensorsFile.Read(p));
        Assert.Equal(p, r.Path);
        Assert.Equal(e.Offset, r.Offset);
        Assert.Equal(e.Problem, r.Problem);
        Assert.Equal(ExitCodes.BadInput, r.ExitCode);
        Directory.Delete(Path.GetDirectoryName(p)!, true);
        return e;
    }

    private const string A4 = "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";

    [Theory]
    // dtype
    [InlineData("""{"a":{"dtype":"F99","shape":[1],"data_offsets":[0,4]}}""", 4, "unknown dtype 'F99'", "\"F99\"")]
    [InlineData("""{"a":{"dtype":"f32","shape":[1],"data_offsets":[0,4]}}""", 4, "unknown dtype 'f32'", "\"f32\"")]
    [InlineData("""{"a":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}""", 4, "unknown dtype Number", "4,")]
    [InlineData("""{"a":{"shape":[1],"data_offsets":[0,4]}}""", 4, "missing 'dtype'", "\"a\"")]
    // shape
    [InlineData("""{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}""", 4, "shape must be an array of non-negative integers", "-1")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1.0],"data_offsets":[0,4]}}""", 4, "shape must be an array of non-negative integers", "1.0")]
    [InlineData("""{"a":{"dtype":"F32","shape":[18446744073709551616],"data_offsets":[0,4]}}""", 4, "non-negative integers", "18446")]
    [InlineData("""{"a":{"dtype":"F32","shape":"1","data_offsets":[0,4]}}""", 4, "shape must be an array", "\"1\"")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}""", 4, "overflows (more than 2^63", "[4611")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2305843009213693952],"data_offsets":[0,4]}}""", 4, "overflows the byte size", "[2305")]
    [InlineData("""{"a":{"dtype":"F32","data_offsets":[0,4]}}""", 4, "missing 'shape'", "\"a\"")]
    // data_offsets
    [InlineData("""{"a":{"dtype":"F32","shape":[1]}}""", 4, "missing 'data_offsets'", "\"a\"")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0]}}""", 4, "must be [begin, end], got 1", "[0]")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,4]}}""", 4, "must be [begin, end], got 3", "[0,4,4]")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[-1,3]}}""", 4, "data_offsets must be an array of non-negative", "-1")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":["0",4]}}""", 4, "data_offsets must be an array of non-negative", "\"0\"")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":{"0":4}}}""", 4, "data_offsets must be an array", "{\"0\"")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}""", 4, "begin after end", "[4,0]")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,8]}}""", 4, "reach outside the 4-byte data section", "[0,8]")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[9223372036854775807,9223372036854775807]}}""", 4, "reach outside", "[9223")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}""", 4, "needs 8 bytes, data_offsets [0, 4] give 4", "[0,4]")]
    [InlineData("""{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,4]}}""", 4, "needs 0 bytes", "[0,4]")]
    // entries
    [InlineData("""{"a":3}""", 0, "the entry must be an object", "3")]
    [InlineData("""{"a":null}""", 0, "the entry must be an object", "null")]
    [InlineData("{" + A4 + "," + A4 + "}", 4, "duplicate entry 'a'", ",\"a\"")]
    [InlineData("""{"a":{"dtype":"F32","dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 4, "duplicate key 'dtype'", ",\"dtype\"")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"shape":[1],"data_offsets":[0,4]}}""", 4, "duplicate key 'shape'", ",\"shape\":[1],\"data")]
    // metadata
    [InlineData("""{"__metadata__":{"k":3}}""", 0, "__metadata__ value of 'k' is not a string", "3")]
    [InlineData("""{"__metadata__":{"k":null}}""", 0, "is not a string", "null")]
    [InlineData("""{"__metadata__":{"k":{"x":"y"}}}""", 0, "is not a string", "{\"x\"")]
    [InlineData("""{"__metadata__":["k","v"]}""", 0, "__metadata__ must be an object", "[")]
    [InlineData("""{"__metadata__":{"k":"a","k":"b"}}""", 0, "duplicate key 'k' in __metadata__", ",\"k\"")]
    [InlineData("""{"__metadata__":{},"__metadata__":{}}""", 0, "duplicate entry '__metadata__'", ",\"__")]
    // JSON itself
    [InlineData("""[1,2]""", 0, "must start with '{'", "")]
    [InlineData(""" {}""", 0, "must start with '{'", "")]
    [InlineData("""{"a":""", 0, "not valid JSON", null)]
    [InlineData("""{}x""", 0, "not valid JSON", "x")]
    [InlineData("""{}{}""", 0, "not valid JSON", "{}")]
    [InlineData("""{/*c*/}""", 0, "not valid JSON", "/")]
    [InlineData("""{"a":{"dtype":"F32",}}""", 0, "not valid JSON", "}}")]
    [InlineData("""{'a':1}""", 0, "not valid JSON", "'")]
    [InlineData("{\"a\u0001\":1}", 0, "not valid JSON", "\u0001")]
    public void MalformedHeaderIsRejectedAtTheRightByte(string json, int dataBytes, string fragment, string? at)
    {
        var e = Reject(WithHeader(json, dataBytes));
        Assert.Contains(fragment, e.Message);
        if (at is not null)
        {
            // `at` marks the expected byte: its first occurrence after the opening brace ("" = the
            // header's first byte); a leading comma is only there to pick the occurrence.
            int i = at == "" ? 0 : json.IndexOf(at, 1, StringComparison.Ordinal);
            Assert.True(i >= 0);
            Assert.Equal(8 + i + (at.StartsWith(',') ? 1 : 0), e.Offset);
        }
    }

    [Theory]
    [InlineData("{" + A4 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[2,6]}}", 8, 2, "overlaps tensor 'a'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, 0, "data bytes [0, 4) before tensor 'a' belong to no tensor")]
    [InlineData("{" + A4 + ",\"b\":{\"dtype\":\"I8\",\"shape\":[1],\"data_offsets\":[5,6]}}", 6, 4, "[4, 5) before tensor 'b'")]
    [InlineData("{" + A4 + "}", 8, 4, "4 bytes after the last tensor")]
    [InlineData("{}", 1, 0, "1 bytes after the last tensor")]
    [InlineData("{" + A4 + ",\"b\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[2,2]}}", 4, 2, "'b'")]
    public void DataSectionMustBeTiledExactly(string json, int dataBytes, int dataOffset, string fragment)
    {
        var e = Reject(WithHeader(json, dataBytes));
        Assert.Contains(fragment, e.Message);
        Assert.Equal(8 + Encoding.UTF8.GetByteCount(json) + dataOffset, e.Offset);
    }

    [Fact]
    public void InvalidTextInTheHeaderIsAFormatError()
    {
        byte[][] headers =
        [
            [.. "{\""u8, 0xff, .. "\":1}"u8],                             // invalid UTF-8 in a name
            [.. "{\"__metadata__\":{\"k\":\""u8, 0xc3, .. "\"}}"u8],          // truncated sequence in a value
            [.. "{\"__metadata__\":{\"k\":\""u8, 0xc0, 0xaf, .. "\"}}"u8],    // overlong encoding
            [.. "{\"__metadata__\":{\"k\":\""u8, 0xed, 0xa0, 0x80, .. "\"}}"u8], // encoded surrogate
            "{\"__metadata__\":{\"k\":\"\\ud800\"}}"u8.ToArray(),            // escaped lone surrogate
            "{\"\\ud800\":{}}"u8.ToArray(),
            [0xef, 0xbb, 0xbf, .. "{}"u8],                                   // byte order mark
        ];
        foreach (var h in headers) Reject(WithHeader(h, 0));
    }

    [Fact]
    public void HeaderLengthIsCheckedBeforeAnythingIsAllocated()
    {
        Assert.Contains("exceeds the 100000000-byte limit", Reject([.. BitConverter.GetBytes(ulong.MaxValue), 1, 2, 3]).Message);
        Assert.Contains("exceeds", Reject([.. BitConverter.GetBytes((ulong)SafetensorsFile.MaxHeader + 1), .. "{}"u8]).Message);
        Assert.Contains("exceeds", Reject(BitConverter.GetBytes(1UL << 63)).Message);
        var e = Reject([.. BitConverter.GetBytes(1000UL), .. "{}"u8]);
        Assert.Contains("runs past the end of the 10-byte file", e.Message);
        Assert.Equal(0, e.Offset);
        Assert.Contains("8-byte header length", Reject([]).Message);
        Assert.Contains("file is 7 bytes", Reject(new byte[7]).Message);
        Assert.Contains("must start with '{'", Reject(new byte[8]).Message);   // N = 0: empty header
    }

    [Fact]
    public void EveryTruncationOfTheSampleFileIsAFormatError()
    {
        var bytes = SafetensorsFile.Serialize(St.Sample(), new Dictionary<string, string> { ["a"] = "b" });
        for (int n = 0; n < bytes.Length; n++) Reject(bytes[..n], "cut.safetensors");
    }

    [Fact]
    public void EveryTruncationOfRandomFilesIsAFormatError()
    {
        // A file whose tensors are all empty is still valid when cut right after the header; skip those.
        St.File.Where(t => t.Tensors.Any(x => x.Bytes.Length > 0)).Sample(t =>
        {
            var bytes = SafetensorsFile.Serialize(t.Tensors, t.Meta);
            for (int n = 0; n < bytes.Length; n++)
            {
                var e = Assert.Throws<FileFormatException>(() => SafetensorsFile.Parse(bytes[..n], "cut.st"));
                Assert.Contains("cut.st", e.Message);
            }
        }, iter: 100);
    }

    /// <summary>Parse must either succeed or throw FileFormatException naming the source.</summary>
    private static void SucceedsOrFormatError(byte[] bytes)
    {
        try
        {
            var f = SafetensorsFile.Parse(bytes, "fuzz.st");
            Assert.Equal(bytes.Length - 8 - (long)BitConverter.ToUInt64(bytes), f.Tensors.Sum(t => (long)t.Bytes.Length));
        }
        catch (FileFormatException e) { Assert.Contains("fuzz.st", e.Message); }
    }

    [Fact]
    public void RandomByteChangesInTheHeaderAreSuccessOrFormatError()
    {
        var bytes = SafetensorsFile.Serialize(St.Sample(), new Dictionary<string, string> { ["config"] = "{\"d\": 1}" });
        int headerEnd = 8 + (int)BitConverter.ToUInt64(bytes);
        Gen.Select(Gen.Int[0, headerEnd - 1], Gen.Byte).Array[1, 4].Sample(edits =>
        {
            var copy = (byte[])bytes.Clone();
            foreach (var (i, b) in edits) copy[i] = b;
            SucceedsOrFormatError(copy);
        }, iter: 5000);
    }

    [Fact]
    public void RandomEditsOfHeaderTextAreSuccessOrFormatError()
    {
        // Structure-aware: replace characters with JSON punctuation, digits and quotes, so the
        // edits reach the checks behind the JSON parser (offsets, shapes, duplicates, tiling).
        var bytes = SafetensorsFile.Serialize(St.Sample());
        int headerEnd = 8 + (int)BitConverter.ToUInt64(bytes);
        Gen.Select(Gen.Int[8, headerEnd - 1], Gen.Char["{}[]\":,0123456789-e. aF"]).Array[1, 3].Sample(edits =>
        {
            var copy = (byte[])bytes.Clone();
            foreach (var (i, c) in edits) copy[i] = (byte)c;
            SucceedsOrFormatError(copy);
        }, iter: 5000);
    }

    [Fact]
    public void RandomFilesOfRandomBytesAreFormatErrors()
    {
        Gen.Select(Gen.Long[0, 64], Gen.Byte.Array[0, 80]).Sample(t =>
            SucceedsOrFormatError([.. BitConverter.GetBytes((ulong)t.Item1), .. t.Item2]), iter: 3000);
        Gen.Select(Gen.String[0, 40], Gen.Int[0, 16]).Sample(t => SucceedsOrFormatError(WithHeader(t.Item1, t.Item2)), iter: 3000);
    }

    [Fact]
    public void ReadOfCorruptedFilesOnDiskIsSuccessOrFormatError()
    {
        var bytes = SafetensorsFile.Serialize(St.Sample());
        int headerEnd = 8 + (int)BitConverter.ToUInt64(bytes);
        string p = St.TempPath();
        Gen.Select(Gen.Int[0, headerEnd - 1], Gen.Byte).Sample(t =>
        {
            var copy = (byte[])bytes.Clone();
            copy[t.Item1] = t.Item2;
            File.WriteAllBytes(p, copy);
            try { SafetensorsFile.Read(p); }
            catch (FileFormatException e) { Assert.Equal(p, e.Path); }
        }, iter: 300, threads: 1);
    }
}
