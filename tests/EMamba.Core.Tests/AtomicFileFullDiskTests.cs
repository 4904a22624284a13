using EMamba.Core;

namespace EMamba.Core.Tests;

/// <summary>A disk that fills up mid-write, simulated through AtomicFile's open seam (root ignores
/// chmod, so a read-only folder cannot be relied on).</summary>
public sealed class AtomicFileFullDiskTests
{
    // A real temp file whose writes fail like ENOSPC once `room` bytes are in it.
    private sealed class FullDisk(string path, long room) : FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1)
    {
        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (Position + buffer.Length > room) throw new IOException("No space left on device");
            base.Write(buffer);
        }
        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    }

    [Fact]
    public void DiskFullIsAOneLineErrorWithExitCode3AndKeepsTheOldFile()
    {
        string dir = Directory.CreateTempSubdirectory("atomic-full").FullName, p = Path.Combine(dir, "last.safetensors");
        AtomicFile.WriteAllText(p, "previous checkpoint");
        var e = Assert.Throws<EMambaException>(() => AtomicFile.Write(p, s => s.Write(new byte[100_000]), t => new FullDisk(t, 1000)));
        Assert.Equal($"could not write {p}: No space left on device", e.Message);
        Assert.Equal(ExitCodes.Io, e.ExitCode);
        Assert.Equal(3, e.ExitCode);
        Assert.Equal("previous checkpoint", File.ReadAllText(p));
        Assert.Equal([p], Directory.GetFileSystemEntries(dir));
    }

    [Fact]
    public void AFailingTempOpenIsTheSameError()
    {
        string dir = Directory.CreateTempSubdirectory("atomic-full").FullName, p = Path.Combine(dir, "out.json");
        var e = Assert.Throws<EMambaException>(() => AtomicFile.Write(p, s => s.WriteByte(1), _ => throw new UnauthorizedAccessException("Access denied")));
        Assert.StartsWith($"could not write {p}: ", e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir));
    }
}
