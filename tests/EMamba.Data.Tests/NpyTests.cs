using System.Buffers.Binary;
using CsCheck;
using EMamba.Core;

namespace EMamba.Data.Tests;

public sealed class NpyTests
{
    private static readonly Gen<int[]> Shapes = Gen.Int[0, 4].SelectMany(r => Gen.Int[0, 5].Array[r]);

    private static int Product(int[] shape) => shape.Aggregate(1, (a, b) => a * b);

    private static string Read(byte[] bytes, out NpyArray a)
    {
        string p = Path.Combine(TestFiles.TempDir(), "x.npy");
        File.WriteAllBytes(p, bytes);
        a = Npy.Read(p);
        return p;
    }

    [Fact]
    public void WriteReadRoundTripsRandomShapes()
    {
        string dir = TestFiles.TempDir();
        Shapes.SelectMany(s => Gen.Double.Array[Product(s)].Select(Gen.Bool, Gen.Bool, (d, f32, fortran) => (s, d, f32, fortran)))
            .Sample(t =>
            {
                string p = Path.Combine(dir, $"{Guid.NewGuid():N}.npy");   // CsCheck samples run in parallel
                if (t.f32) Npy.Write(p, t.s, Array.ConvertAll(t.d, v => (float)v), t.fortran);
                else Npy.Write(p, t.s, t.d, t.fortran);
                var a = Npy.Read(p);
                Assert.Equal(t.s, a.Shape);
                Assert.Equal(t.f32 ? "<f4" : "<f8", a.Descr);
                Assert.Equal(t.fortran, a.WasFortran);
                Assert.Equal(t.f32 ? Array.ConvertAll(t.d, v => (double)(float)v) : t.d, a.Data);
                var bytes = File.ReadAllBytes(p);
                int headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
                Assert.Equal(0, (10 + headerLen) % 64);                            // data starts 64-aligned
                Assert.Equal(bytes.Length, 10 + headerLen + a.Data.Length * (t.f32 ? 4 : 8));
                Assert.Equal((byte)'\n', bytes[10 + headerLen - 1]);               // the header ends in a newline
            }, iter: 200);
    }

    [Fact]
    public void WriteFortranOrderStoresColumnMajor()
    {
        // [[1,2,3],[4,5,6]] in C order is stored 1,4,2,5,3,6, as np.save(p, np.asfortranarray(a)) does.
        string p = Path.Combine(TestFiles.TempDir(), "f.npy");
        Npy.Write(p, [2, 3], [1.0, 2, 3, 4, 5, 6], fortranOrder: true);
        var bytes = File.ReadAllBytes(p);
        int headerLen = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8));
        Assert.Equal(128, 10 + headerLen);                                        // the 69-byte minimum, padded to 64
        Assert.Equal("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }",
            System.Text.Encoding.Latin1.GetString(bytes, 10, headerLen).TrimEnd());
        var stored = Enumerable.Range(0, 6).Select(i => BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(128 + 8 * i))).ToArray();
        Assert.Equal([1.0, 4, 2, 5, 3, 6], stored);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], Npy.Read(p).Data);
    }

    [Fact]
    public void FortranOrderIsTransposedToCOrder()
    {
        // 2x3 matrix [[1,2,3],[4,5,6]] stored column-major: 1,4,2,5,3,6
        var raw = new byte[6 * 8];
        double[] colMajor = [1, 4, 2, 5, 3, 6];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteDoubleLittleEndian(raw.AsSpan(8 * i), colMajor[i]);
        Read(TestFiles.NpyRaw("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", raw), out var a);
        Assert.True(a.WasFortran);
        Assert.Equal([2, 3], a.Shape);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], a.Data);
    }

    [Fact]
    public void FortranOrderMatchesCOrderForRandomShapes()
    {
        Shapes.SelectMany(s => Gen.Int[-1000, 1000].Array[Product(s)].Select(d => (s, d))).Sample(t =>
        {
            // Lay the C-order values out column-major: Fortran offset f holds the element whose
            // multi-index has the first index fastest.
            var raw = new byte[4 * t.d.Length];
            for (int f = 0; f < t.d.Length; f++)
            {
                int rest = f, c = 0;
                for (int k = 0; k < t.s.Length; k++) { int i = rest % t.s[k]; rest /= t.s[k]; c += i * Product(t.s[(k + 1)..]); }
                BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(4 * f), t.d[c]);
            }
            string dims = t.s.Length == 1 ? $"{t.s[0]}," : string.Join(", ", t.s);
            Read(TestFiles.NpyRaw($"{{'descr': '<i4', 'fortran_order': True, 'shape': ({dims}), }}", raw), out var a);
            Assert.Equal(t.s, a.Shape);
            Assert.Equal(Array.ConvertAll(t.d, v => (double)v), a.Data);
        }, iter: 100);
    }

    [Theory]
    [InlineData("<f8", 8, -2.5)]
    [InlineData("<f4", 4, -2.5)]
    [InlineData("<i8", 8, -1)]
    [InlineData("<i4", 4, -1)]
    [InlineData("<i2", 2, -1)]
    [InlineData("|i1", 1, -1)]
    [InlineData("<u8", 8, 18446744073709551615.0)]
    [InlineData("<u4", 4, 4294967295.0)]
    [InlineData("<u2", 2, 65535)]
    [InlineData("|u1", 1, 255)]
    [InlineData("|b1", 1, 1)]
    public void EachDtypeDecodes(string descr, int size, double first)
    {
        // Element 0 is all ones (or -2.5 for floats, true for bool), element 1 is 0x02 in the low byte, element 2 zero.
        var raw = new byte[3 * size];
        if (descr == "<f8") BinaryPrimitives.WriteDoubleLittleEndian(raw, -2.5);
        else if (descr == "<f4") BinaryPrimitives.WriteSingleLittleEndian(raw, -2.5f);
        else if (descr == "|b1") raw[0] = 1;
        else raw.AsSpan(0, size).Fill(0xFF);
        if (descr[1] != 'f') raw[size] = 2;
        Read(TestFiles.NpyRaw($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (3,), }}", raw), out var a);
        Assert.Equal(descr, a.Descr);
        Assert.Equal([3], a.Shape);
        Assert.Equal(first, a.Data[0]);
        Assert.Equal(descr[1] == 'f' ? 0 : 2, a.Data[1]);
        Assert.Equal(0, a.Data[2]);
        Assert.Equal((float)first, a.ToFloat32()[0]);
    }

    [Theory]
    [InlineData(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }")]
    [InlineData(2, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }")]
    [InlineData(3, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }")]
    [InlineData(1, "{'shape': (2,), 'fortran_order': False, 'descr': '<f8'}")]   // any key order, no trailing comma
    [InlineData(1, "{\"descr\":\"<f8\",\"fortran_order\":False,\"shape\":(2,)}")]
    [InlineData(1, "{'descr': '<f8', 'fortran_order': True, 'shape': (2, ), }")]
    public void HeaderVariantsNumPyAcceptsAreRead(int major, string dict)
    {
        var raw = new byte[16];
        BinaryPrimitives.WriteDoubleLittleEndian(raw.AsSpan(8), 7.5);
        Read(TestFiles.NpyRaw(dict, raw, major), out var a);
        Assert.Equal([0, 7.5], a.Data);
    }

    [Fact]
    public void ScalarAndEmptyArraysAreRead()
    {
        Read(TestFiles.NpyRaw("{'descr': '<i2', 'fortran_order': False, 'shape': (), }", [5, 0]), out var s);
        Assert.Empty(s.Shape);
        Assert.Equal([5.0], s.Data);
        Read(TestFiles.NpyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (0, 3), }", []), out var e);
        Assert.Equal([0, 3], e.Shape);
        Assert.Empty(e.Data);
    }

    [Theory]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", 24, "should be 32 bytes")]     // truncated data
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", 24, "should be 16 bytes")]     // trailing data
    [InlineData("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", 8, "big-endian")]
    [InlineData("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", 16, "not supported")]
    [InlineData("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,), }", 8, "structured")]
    [InlineData("{'shape': (1,), 'descr': '<f8'}", 8, "lacks fortran_order")]
    [InlineData("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", 8, "appears twice")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'extra': 1}", 8, "unexpected key 'extra'")]
    [InlineData("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,), }", 8, "True or False")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", 8, "shape entry")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1), }", 8, "not a tuple")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999,), }", 8, "below 2^31")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (65536, 65536), }", 8, "claims more than")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } junk", 8, "after the header dict")]
    [InlineData("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), ", 8, "expected a quoted string")]
    public void MalformedHeadersAndSizesNameFileAndOffset(string dict, int dataBytes, string fragment)
    {
        string p = Path.Combine(TestFiles.TempDir(), "bad.npy");
        File.WriteAllBytes(p, TestFiles.NpyRaw(dict, new byte[dataBytes]));
        var e = Assert.Throws<FileFormatException>(() => Npy.Read(p));
        Assert.Contains(p, e.Message);
        Assert.Contains(fragment, e.Message);
        Assert.InRange(e.Offset, 0, new FileInfo(p).Length);
    }

    [Fact]
    public void BrokenPreambleIsRejected()
    {
        string p = Path.Combine(TestFiles.TempDir(), "bad.npy");
        void Expect(byte[] bytes, string fragment, long offset)
        {
            File.WriteAllBytes(p, bytes);
            var e = Assert.Throws<FileFormatException>(() => Npy.Read(p));
            Assert.Contains(fragment, e.Message);
            Assert.Equal(offset, e.Offset);
        }
        Expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "magic", 0);
        Expect([0x93, (byte)'N', (byte)'U'], "truncated", 0);
        var good = TestFiles.NpyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", new byte[16]);
        Expect(good[..20], "NPY header", 10);
        var v9 = (byte[])good.Clone();
        v9[6] = 9;
        Expect(v9, "version 9.0", 6);
        var huge = TestFiles.NpyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", new byte[16], major: 2);
        BinaryPrimitives.WriteUInt32LittleEndian(huge.AsSpan(8), 0xFFFFFFF0);
        Expect(huge, "header length", 8);
        Assert.Throws<EMambaException>(() => Npy.Read(Path.Combine(TestFiles.TempDir(), "none.npy")));
    }

    [Fact]
    public void WriteRejectsAShapeThatDoesNotHoldTheData()
    {
        string p = Path.Combine(TestFiles.TempDir(), "w.npy");
        Assert.Throws<ArgumentException>(() => Npy.Write(p, [2, 2], new double[3]));
        Assert.Throws<ArgumentException>(() => Npy.Write(p, [-1, -3], new float[3]));
        Assert.False(File.Exists(p));
    }

    // Reference values printed by NumPy 1.24 (/usr/bin/python3): np.load(...)[index].
    [FactWhenData("mars/labels_validate.npy")]
    public void RealMarsFilesMatchNumPy()
    {
        var l = Npy.Read(TestFiles.SharedData("mars/labels_validate.npy")!);
        Assert.True(l.WasFortran);
        Assert.Equal("<f8", l.Descr);
        Assert.Equal([8033, 57], l.Shape);
        Assert.Equal(0.17025, l.Data[0]);
        Assert.Equal(1.9791, l.Data[100 * 57 + 20]);             // labels[100, 20]
        Assert.Equal(-0.92828, l.Data[2165 * 57 + 51]);          // labels[2165, 51]
        Assert.Equal(0.32817, l.Data[^1]);                       // labels[8032, 56]

        var f = Npy.Read(TestFiles.SharedData("mars/featuremap_validate.npy")!);
        Assert.False(f.WasFortran);
        Assert.Equal([8033, 8, 8, 5], f.Shape);
        Assert.Equal(0.3623, f.Data[0]);
        Assert.Equal(1.8984, f.Data[1]);
        Assert.Equal(1.8809, f.Data[((4000 * 8 + 3) * 8 + 2) * 5 + 1]);   // features[4000, 3, 2, 1]
    }
}
