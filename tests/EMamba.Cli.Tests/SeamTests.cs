using System.Reflection;
using System.Xml.Linq;

namespace EMamba.Cli.Tests;

/// <summary>docs/design.md, "Seams": Core, Data, Reports, Engine, Hardware and Onnx never
/// reach TorchSharp, not even through another assembly; no project references the CLI.</summary>
public sealed class SeamTests
{
    private static readonly Assembly[] TorchFree =
    [
        typeof(EMamba.Core.RunConfig).Assembly, typeof(EMamba.Data.Idx).Assembly, typeof(EMamba.Reports.CurvePlot).Assembly,
        typeof(EMamba.Engine.Reference).Assembly, typeof(EMamba.Hardware.RtlGenerator).Assembly,
        typeof(EMamba.Onnx.FloatExport).Assembly,
    ];

    /// <summary>Every assembly reachable from <paramref name="root"/> through references, root first.</summary>
    private static List<string> Closure(Assembly root)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal) { root.GetName().Name! };
        var order = new List<string> { root.GetName().Name! };
        var stack = new Stack<Assembly>([root]);
        while (stack.Count > 0)
            foreach (var r in stack.Pop().GetReferencedAssemblies())
            {
                if (!seen.Add(r.Name!)) continue;
                order.Add(r.Name!);
                try { stack.Push(Assembly.Load(r)); }
                catch (FileNotFoundException) { } // a facade the runtime resolves elsewhere; its name is recorded
            }
        return order;
    }

    [Fact]
    public void Core_Data_Reports_Engine_Hardware_and_Onnx_never_reach_TorchSharp_transitively()
    {
        foreach (var asm in TorchFree)
        {
            var reached = Closure(asm);
            Assert.Contains("System.Runtime", reached); // the walk really walked
            Assert.DoesNotContain(reached, n => n.StartsWith("TorchSharp", StringComparison.Ordinal) || n.StartsWith("EMamba.Training", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_walk_finds_TorchSharp_where_it_is()
    {
        // Guards the test above: the same walk from the training assembly must see TorchSharp.
        Assert.Contains("TorchSharp", Closure(typeof(EMamba.Training.Checkpoints.Checkpoint).Assembly));
        Assert.Contains("TorchSharp", Closure(typeof(App).Assembly));
    }

    [Fact]
    public void No_project_references_the_CLI_and_torch_free_projects_reference_no_torch_package()
    {
        string root = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../.."));
        var projects = Directory.GetFiles(Path.Combine(root, "src"), "*.csproj", SearchOption.AllDirectories);
        Assert.NotEmpty(projects);
        foreach (var p in projects)
        {
            var refs = XDocument.Load(p).Descendants().Where(e => e.Name.LocalName is "ProjectReference" or "PackageReference")
                .Select(e => (string?)e.Attribute("Include") ?? "").ToList();
            Assert.DoesNotContain(refs, r => r.Contains("EMamba.Cli", StringComparison.Ordinal));
            string name = Path.GetFileNameWithoutExtension(p);
            if (name is "EMamba.Core" or "EMamba.Data" or "EMamba.Reports" or "EMamba.Engine" or "EMamba.Hardware" or "EMamba.Onnx")
                Assert.DoesNotContain(refs, r => r.Contains("Training", StringComparison.Ordinal) || r.StartsWith("TorchSharp", StringComparison.Ordinal) || r.StartsWith("libtorch", StringComparison.Ordinal));
        }
    }
}
