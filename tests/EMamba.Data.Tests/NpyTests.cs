using System.Buffers.Binary;
using CsCheck;
using EMamba.Core;

namespace EMamba.Data.Tests;

public sealed class NpyTests
{
    [Fact]
    public void WriteReadRoundTripsRandomShapes()
    {
        string dir = TestFiles.TempDir();
        Gen.Int[1, 4].SelectMany(r => Gen.Int[1, 5].Array[r]).Select(s => (s, Gen.Double[-1e6, 1e6].Array[s.Aggregate(1, (a, b) => a * b)]))
            .SelectMany(t => t.Item2.Select(d => (t.s, d)))
            .Sample(t =>
            {
                string p = Path.Combine(dir, $"{Guid.NewGuid():N}.npy");   // CsCheck samples run in parallel
                Npy.Write(p, t.s, t.d);
                var a = Npy.Read(p);
                Assert.Equal(t.s, a.Shape);
                Assert.Equal(t.d, a.Data);
                Assert.Equal("<f8", a.Descr);
            }, iter: 50);
    }

    [Fact]
    public void FortranOrderIsTransposedToCOrder()
    {
        // 2x3 matrix [[1,2,3],[4,5,6]] stored column-major: 1,4,2,5,3,6
        var raw = new byte[6 * 8];
        double[] colMajor = [1, 4, 2, 5, 3, 6];
        for (int i = 0; i < 6; i++) BinaryPrimitives.WriteDoubleLittleEndian(raw.AsSpan(8 * i), colMajor[i]);
        string p = Path.Combine(TestFiles.TempDir(), "f.npy");
        File.WriteAllBytes(p, TestFiles.NpyRaw("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", raw));
        var a = Npy.Read(p);
        Assert.True(a.WasFortran);
        Assert.Equal([1.0, 2, 3, 4, 5, 6], a.Data);
    }

    [Theory]
    [InlineData("<f4", 4)]
    [InlineData("<i8", 8)]
    [InlineData("<i4", 4)]
    [InlineData("<i2", 2)]
    [InlineData("|i1", 1)]
    [InlineData("|u1", 1)]
    [InlineData("<u2", 2)]
    public void EachDtypeDecodes(string descr, int size)
    {
        var raw = new byte[3 * size];
        raw[0] = 0xFF;                       // first element: all-ones low byte
        if (descr == "<f4") BinaryPrimitives.WriteSingleLittleEndian(raw, -2.5f);
        string p = Path.Combine(TestFiles.TempDir(), "d.npy");
        File.WriteAllBytes(p, TestFiles.NpyRaw($"{{'descr': '{descr}', 'fortran_order': False, 'shape': (3,), }}", raw));
        var a = Npy.Read(p);
        double expect = descr switch { "<f4" => -2.5, "|i1" => -1, _ => 255 };
        Assert.Equal(expect, a.Data[0]);
        Assert.Equal([3], a.Shape);
    }

    [Fact]
    public void MalformedFilesAreRejectedWithFileAndOffset()
    {
        string dir = TestFiles.TempDir(), p = Path.Combine(dir, "bad.npy");
        void Expect(byte[] bytes, string fragment)
        {
            File.WriteAllBytes(p, bytes);
            var e = Assert.Throws<FileFormatException>(() => Npy.Read(p));
            Assert.Contains(p, e.Message);
            Assert.Contains(fragment, e.Message);
        }
        Expect(TestFiles.NpyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", new byte[24]), "should be 32 bytes");
        Expect(TestFiles.NpyRaw("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", new byte[8]), "big-endian");
        Expect(TestFiles.NpyRaw("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }", new byte[16]), "not supported");
        Expect(TestFiles.NpyRaw("{'shape': (1,), 'descr': '<f8'}", new byte[8]), "header is not a dict");
        Expect(TestFiles.NpyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", new byte[8]), "shape entry");
        Expect([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "magic");
        Expect([0x93, (byte)'N', (byte)'U'], "truncated");
        var good = TestFiles.NpyRaw("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }", new byte[16]);
        Expect(good[..20], "NPY header");
    }

    [Fact]
    public void RealMarsFilesReadWhenPresent()
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/data/mars");
        string labels = Path.Combine(dir, "labels_validate.npy"), feats = Path.Combine(dir, "featuremap_validate.npy");
        if (!File.Exists(labels)) return;   // the data set is optional on a test machine
        var l = Npy.Read(labels);
        Assert.True(l.WasFortran);
        Assert.Equal([8033, 57], l.Shape);
        Assert.All(l.Data.Take(1000), v => Assert.InRange(v, -5.0, 5.0));   // metres
        var f = Npy.Read(feats);
        Assert.Equal([8033, 8, 8, 5], f.Shape);
    }
}
