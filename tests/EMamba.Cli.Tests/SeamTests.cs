namespace EMamba.Cli.Tests;

/// <summary>DESIGN.md: the integer world and its shared code must never pull in TorchSharp.</summary>
public sealed class SeamTests
{
    [Fact]
    public void CoreAndDataDoNotReferenceTorchSharp()
    {
        foreach (var asm in new[] { typeof(EMamba.Core.RunConfig).Assembly, typeof(EMamba.Data.Idx).Assembly })
            Assert.DoesNotContain(asm.GetReferencedAssemblies(), r => r.Name!.StartsWith("TorchSharp"));
    }
}
