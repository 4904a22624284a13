using System.Globalization;
using System.Text;

namespace EMamba.Hardware.Tests;

/// <summary>Runs one combinational operation module of Rtl/ on vectors in icarus: a generated testbench
/// reads one vector per line (signed decimals, one per input port), waits 1 ns and writes the output.</summary>
internal static class OpHarness
{
    /// <summary><paramref name="outBits"/>: the width of the module's output port (sign-extended to 64 here).</summary>
    public static long[] Run(string module, string parameters, (string Name, int Bits)[] ports, IReadOnlyList<long[]> vectors,
        IReadOnlyDictionary<string, string>? roms = null, int outBits = 64)
    {
        string dir = Path.Combine(Path.GetTempPath(), "emamba-hw-op-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            foreach (var (rel, text) in roms ?? new Dictionary<string, string>())
            {
                Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(dir, rel))!);
                File.WriteAllText(Path.Combine(dir, rel), text);
            }
            var tb = new StringBuilder($"`timescale 1ns/1ps\nmodule optb;\n    reg signed [63:0] word;\n    wire signed [{outBits - 1}:0] result_n;\n    wire signed [63:0] result = result_n;\n    integer fin, fout, got, i;\n");
            foreach (var (n, b) in ports) tb.Append($"    reg signed [{b - 1}:0] {n};\n");
            tb.Append($"    {module} {parameters} dut ({string.Join(", ", ports.Select(p => $".{p.Name}({p.Name})"))}, .{Output(module)}(result_n));\n");
            tb.Append("    initial begin\n        fin = $fopen(\"vectors.txt\", \"r\");\n        fout = $fopen(\"results.txt\", \"w\");\n");
            tb.Append($"        for (i = 0; i < {vectors.Count}; i = i + 1) begin\n");
            foreach (var (n, b) in ports) tb.Append($"            got = $fscanf(fin, \"%d\", word);\n            {n} = word[{b - 1}:0];\n");
            tb.Append("            #1 $fwrite(fout, \"%0d\\n\", result);\n        end\n        $fclose(fout);\n        $finish;\n    end\nendmodule\n");
            File.WriteAllText(Path.Combine(dir, "optb.v"), tb.ToString());
            var vec = new StringBuilder();
            foreach (var v in vectors) vec.Append(string.Join(' ', v.Select(x => x.ToString(CultureInfo.InvariantCulture)))).Append('\n');
            File.WriteAllText(Path.Combine(dir, "vectors.txt"), vec.ToString());
            var modules = RtlGenerator.WriteModules(dir);
            Simulation.Exec(dir, "iverilog", [.. RtlGenerator.IcarusFlags, "-o", "optb.vvp", "-s", "optb", "optb.v", .. modules]);
            Simulation.Exec(dir, "vvp", ["-n", "optb.vvp"]);
            return [.. File.ReadAllLines(Path.Combine(dir, "results.txt")).Select(l => long.Parse(l, CultureInfo.InvariantCulture))];
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static string Output(string module) => module switch
    {
        "em_requant" => "y",
        "em_gate" => "g",
        "em_residual" => "r",
        _ => "y",
    };
}
