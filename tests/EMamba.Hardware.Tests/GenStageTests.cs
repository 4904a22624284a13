using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Hardware.Stages;

namespace EMamba.Hardware.Tests;

/// <summary><c>emamba hw gen</c>'s library call on a model file: the folder a hardware engineer gets,
/// whose Makefile simulates the design by hand, and the errors a user can cause.</summary>
public class GenStageTests
{
    private static string ModelFile(string dir)
    {
        string path = Path.Combine(dir, "tiny.q.safetensors");
        QuantFile.Write(path, Tiny.ModelOne, new Precision().ToJson(), "{}", "{}");
        return path;
    }

    [SimFact(Simulator.Icarus)]
    public void TheFolderHoldsRtlRomsTestbenchMakefileAndReadmeAndItsMakefileSimulates()
    {
        string dir = Path.Combine(Path.GetTempPath(), "emamba-hw-gen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string acc = Path.Combine(dir, "acc.json");
            File.WriteAllText(acc, """{ "linear_lanes": 2, "top_name": "radar_acc" }""");
            var res = HwGenStage.Run(new HwGenStage.Request(ModelFile(dir), acc, Path.Combine(dir, "rtl-out")));
            string o = res.Out;
            foreach (var f in new[] { "README.md", "Makefile", "tb.v", "rtl/radar_acc.v", "rtl/em_linear.v", "rom/embed_weight.hex" })
                Assert.True(File.Exists(Path.Combine(o, f)), f);
            Assert.Contains("radar_acc", File.ReadAllText(Path.Combine(o, "README.md")));
            Assert.Equal(2, res.Config.LinearLanes);

            var x = Tiny.Input(Tiny.ModelOne, 9);
            File.WriteAllLines(Path.Combine(o, "input.txt"), x.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            Simulation.Exec(o, "make", ["sim-icarus", "IN=input.txt", "OUT=out.txt"]);
            var sample = Simulation.Parse(File.ReadAllLines(Path.Combine(o, "out.txt"))).Single();
            Assert.Equal(Engine.Reference.Run(Tiny.ModelOne, x), sample.Outputs);
            Assert.Equal(res.Cycles.Total, sample.Cycles);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void AnExistingFolderAMissingModelAndABadConfigAreClearErrors()
    {
        string dir = Path.Combine(Path.GetTempPath(), "emamba-hw-gen-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            string model = ModelFile(dir);
            var e = Assert.Throws<EMambaException>(() => HwGenStage.Run(new HwGenStage.Request(model, null, dir)));
            Assert.Contains("already exists", e.Message);
            e = Assert.Throws<EMambaException>(() => HwGenStage.Run(new HwGenStage.Request(Path.Combine(dir, "none.q.safetensors"), null, Path.Combine(dir, "a"))));
            Assert.Contains("model file not found", e.Message);
            string acc = Path.Combine(dir, "bad.json");
            File.WriteAllText(acc, """{ "linear_lanes": 999 }""");
            var c = Assert.Throws<ConfigException>(() => HwGenStage.Run(new HwGenStage.Request(model, acc, Path.Combine(dir, "b"))));
            Assert.Contains("linear_lanes = 999", c.Message);
            Assert.False(Directory.Exists(Path.Combine(dir, "b")));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
