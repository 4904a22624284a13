using System.Globalization;
using System.Text;
using EMamba.Core.Integer;

namespace EMamba.Hardware.Tests;

/// <summary>em_range_norm's divider (norm_reciprocal = divider) against the reciprocal table it replaces: a token
/// whose range is r leaves RECIP[r] in the unit's register, for every r of 8-bit inputs and a spread of 16-bit
/// ones, at several widths D, after the modelled cycles.</summary>
public class RangeNormDividerTests
{
    private static IEnumerable<int> Ranges(int bits) => bits <= 10
        ? Enumerable.Range(1, (1 << bits) - 1)
        : new[] { 1, 2, 3, 4, 5, 7, 255, 256, 257, 1000, 4095, 4096, 4097, 32767, 32768, 65534, 65535 }.Concat(new Random(5).GetItems(Enumerable.Range(1, 65535).ToArray(), 100));

    [SimFact(Simulator.Icarus)]
    public void TheDividerGivesTheTableEntryForEveryRange()
    {
        foreach (var (d, bits) in new[] { (2, 8), (20, 8), (3, 16), (20, 16), (64, 16) })
        {
            long[] table = IntOps.NormRecipTable(d, bits);
            int qb = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)table[1]), rw = Widths.Of(table);
            var ranges = Ranges(bits).Distinct().ToArray();
            var (got, cycles) = Run(d, bits, qb, rw, ranges);
            for (int i = 0; i < ranges.Length; i++) Assert.True(table[ranges[i]] == got[i], $"D = {d}, {bits}-bit inputs, r = {ranges[i]}: divider {got[i]}, table {table[ranges[i]]}");
            // The stage's work (Pipeline.NormWork), from the cycle after start to done: pass 1 (one group: every lane
            // at once), QB divider cycles, pass 2.
            Assert.All(cycles, c => Assert.Equal(1 + qb + 1, c));
        }
    }

    /// <summary>One token per range: x_0 = r, the other D - 1 codes 0; the registered reciprocal and the cycles from start to done.</summary>
    private static (long[] Recip, long[] Cycles) Run(int d, int bits, int qb, int rw, int[] ranges)
    {
        string dir = Directory.CreateTempSubdirectory("emamba-hw-div-").FullName;
        try
        {
            int xw = bits + 1;
            File.WriteAllText(Path.Combine(dir, "gamma.hex"), Hex.Words(Enumerable.Repeat(0L, d), 8));
            File.WriteAllText(Path.Combine(dir, "beta.hex"), Hex.Words(Enumerable.Repeat(0L, d), 8));
            var tb = new StringBuilder("`timescale 1ns/1ps\nmodule divtb;\n    reg clk = 0, rst = 1, start = 0;\n    wire done, y_we;\n    wire [31:0] x_base, y_idx;\n");
            tb.Append($"    reg [{xw * d - 1}:0] x_lanes = 0;\n    wire [{d - 1}:0] y_ok;\n    wire [{8 * d - 1}:0] y_data;\n    integer i, n;\n");
            tb.Append($"    em_range_norm #(.D({d}), .LANES({d}), .IN_BITS({bits}), .BITS(8), .XW({xw}), .BTW(8), .RW({rw}), .DIVIDER(1), .QB({qb}), .GAMMA(\"gamma.hex\"), .BETA(\"beta.hex\"), .RECIP(\"\")) dut (\n");
            tb.Append("        .clk(clk), .rst(rst), .start(start), .done(done), .x_base(x_base), .x_lanes(x_lanes), .y_we(y_we), .y_idx(y_idx), .y_ok(y_ok), .y_data(y_data));\n");
            tb.Append("    always #1 clk = ~clk;\n    initial begin\n        @(posedge clk); #0.1 rst = 0;\n");
            foreach (int r in ranges)
            {
                tb.Append($"        x_lanes = 0; x_lanes[{xw - 1}:0] = {r}; start = 1; n = 0;\n");
                tb.Append("        @(posedge clk); #0.1 start = 0; n = 1;\n");
                tb.Append("        while (!done) begin @(posedge clk); #0.1 n = n + 1; end\n");
                tb.Append("        $display(\"%0d %0d\", dut.recip, n);\n        @(posedge clk); #0.1;\n");
            }
            tb.Append("        $finish;\n    end\nendmodule\n");
            File.WriteAllText(Path.Combine(dir, "divtb.v"), tb.ToString());
            var modules = RtlGenerator.WriteModules(dir);
            Simulation.Exec(dir, "iverilog", [.. RtlGenerator.IcarusFlags, "-o", "divtb.vvp", "-s", "divtb", "divtb.v", .. modules]);
            var lines = Simulation.Exec(dir, "vvp", ["-n", "divtb.vvp"]).Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => char.IsDigit(l[0]) || l[0] == '-').ToArray();
            Assert.Equal(ranges.Length, lines.Length);
            var parts = lines.Select(l => l.Split(' ')).ToArray();
            return ([.. parts.Select(p => long.Parse(p[0], CultureInfo.InvariantCulture))], [.. parts.Select(p => long.Parse(p[1], CultureInfo.InvariantCulture))]);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
