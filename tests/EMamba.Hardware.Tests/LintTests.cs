namespace EMamba.Hardware.Tests;

/// <summary>The generated RTL is clean under <c>verilator --lint-only -Wall</c>, with no warning waived
/// (verilator fails on any warning, and the log is checked too).</summary>
public class LintTests
{
    private static void Lint(Design d)
    {
        string dir = Path.Combine(Path.GetTempPath(), "emamba-hw-lint-" + Guid.NewGuid().ToString("N"));
        d.WriteTo(dir);
        try
        {
            string log = Simulation.Exec(dir, "verilator", ["--lint-only", "-Wall", .. RtlGenerator.VerilatorFlags, "--top-module", d.Top, .. d.Sources]);
            Assert.DoesNotContain("%Warning", log);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [SimFact(Simulator.Verilator)]
    public void OneBlockModelIsLintClean() => Lint(RtlGenerator.Generate(Tiny.ModelOne, new AcceleratorConfig { TopName = "emamba_top" }));

    [SimFact(Simulator.Verilator)]
    public void TwoBlockModelWithOddLanesIsLintClean() => Lint(RtlGenerator.Generate(Tiny.ModelTwo, new AcceleratorConfig { LinearLanes = 3, TopName = "emamba_top" }));

    [SimFact(Simulator.Verilator)]
    public void RangeNormsByDividerAreLintClean() => Lint(RtlGenerator.Generate(Tiny.ModelTwo, new AcceleratorConfig { NormReciprocal = NormReciprocal.Divider }));

    [SimFact(Simulator.Verilator)]
    public void SharedExpUnitsAreLintClean()
    {
        Lint(RtlGenerator.Generate(Tiny.ModelTwo, new AcceleratorConfig { ExpUnits = 3 }));
        Lint(RtlGenerator.Generate(Tiny.ModelOne, new AcceleratorConfig { SsmLanes = 1, StateLanes = 1, ExpUnits = 1 }));
    }

    [SimFact(Simulator.Verilator)]
    public void SharedBlocksAreLintClean()
    {
        Lint(RtlGenerator.Generate(Tiny.ModelTwo, new AcceleratorConfig { Blocks = BlockMode.Shared }));
        Lint(RtlGenerator.Generate(Tiny.ModelOne, new AcceleratorConfig { Blocks = BlockMode.Shared, LinearLanes = 3, NormReciprocal = NormReciprocal.Divider }));
    }

    [SimFact(Simulator.Verilator)]
    public void EveryOperationModuleIsLintCleanAlone()
    {
        string dir = Path.Combine(Path.GetTempPath(), "emamba-hw-lint-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var m in RtlGenerator.WriteModules(dir))
                Assert.DoesNotContain("%Warning", Simulation.Exec(dir, "verilator", ["--lint-only", "-Wall", "-I.", m]));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>Yosys elaborates the generated top with its ROM parameters (read with -defer: the modules'
    /// default ROM names are placeholders) and its structural check finds nothing to assert on.</summary>
    [YosysFact]
    public void YosysElaboratesTheTopWithoutProblems()
    {
        foreach (var c in new[] { new AcceleratorConfig { LinearLanes = 2 }, new AcceleratorConfig { Blocks = BlockMode.Shared } })
            YosysCheck(RtlGenerator.Generate(Tiny.ModelTwo, c));
    }

    private static void YosysCheck(Design d)
    {
        string dir = Path.Combine(Path.GetTempPath(), "emamba-hw-yosys-" + Guid.NewGuid().ToString("N"));
        d.WriteTo(dir);
        try
        {
            string log = Simulation.Exec(dir, "yosys", ["-q", "-p", $"read_verilog -defer {string.Join(' ', d.Sources)}; hierarchy -check -top {d.Top}; proc; check -assert"]);
            Assert.DoesNotContain("Warning", log);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
