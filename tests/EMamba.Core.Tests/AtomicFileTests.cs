using EMamba.Core;

namespace EMamba.Core.Tests;

public sealed class AtomicFileTests
{
    private static string NewDir() => Directory.CreateTempSubdirectory("atomic").FullName;

    [Fact]
    public void AFailingWriterLeavesNeitherTargetNorTempFile()
    {
        string dir = NewDir(), p = Path.Combine(dir, "out.bin");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(p, s => { s.WriteByte(1); throw new InvalidOperationException(); }));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void AFailingWriterLeavesTheOldFileUntouched()
    {
        string dir = NewDir(), p = Path.Combine(dir, "out.txt");
        AtomicFile.WriteAllText(p, "ok");
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(p, s => { s.Write(new byte[100_000]); throw new InvalidOperationException(); }));
        Assert.Equal("ok", File.ReadAllText(p));
        Assert.Equal([p], Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void WritesReplaceTheTargetAndCreateItsFolder()
    {
        string dir = NewDir(), p = Path.Combine(dir, "a", "b", "out.bin");
        AtomicFile.WriteAllBytes(p, [1, 2, 3]);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(p));
        AtomicFile.WriteAllBytes(p, [9]);
        Assert.Equal([9], File.ReadAllBytes(p));
        AtomicFile.WriteAllText(p, "ü");
        Assert.Equal("ü", File.ReadAllText(p));
        Assert.Equal([p], Directory.GetFileSystemEntries(Path.GetDirectoryName(p)!));
    }

    [Fact]
    public void AFailedSafetensorsWriteLeavesNothingBehind()
    {
        string dir = NewDir(), p = Path.Combine(dir, "m.safetensors");
        IEnumerable<TensorData> Failing() { yield return TensorData.FromInt8("a", [1]); throw new IOException("source gone"); }
        Assert.Throws<IOException>(() => SafetensorsFile.Write(p, Failing()));
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }
}
