using EMamba.Core;

namespace EMamba.Data.Tests;

/// <summary>Every data reader refuses /dev/zero up front instead of reading zeros without end.</summary>
public sealed class NonRegularFileTests
{
    public static TheoryData<string> Readers => ["npy", "idx", "archive", "vocab"];

    [Theory, MemberData(nameof(Readers))]
    public async Task DevZeroIsNotARegularFile(string reader)
    {
        if (!File.Exists("/dev/zero")) return;
        Action load = reader switch
        {
            "npy" => () => Npy.Read("/dev/zero"),
            "idx" => () => Idx.Read("/dev/zero"),
            "archive" => () => ImageArchive.Load("/dev/zero", "test"),
            _ => () => Vocabulary.Load("/dev/zero"),
        };
        var t = Task.Run(load);
        Assert.Same(t, await Task.WhenAny(t, Task.Delay(TimeSpan.FromSeconds(20))));   // did not block
        var e = Assert.IsType<EMambaException>(t.Exception?.InnerException, exactMatch: false);
        Assert.Equal("/dev/zero: not a regular file (a character device)", e.Message);
    }
}
