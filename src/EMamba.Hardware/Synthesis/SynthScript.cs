using System.Globalization;
using System.Text;

namespace EMamba.Hardware.Synthesis;

/// <summary>The yosys script and the nextpnr arguments of each target. Every script reads the Verilog deferred
/// (so the top's parameter overrides apply before elaboration), flattens, and writes the statistics both as
/// JSON (what the parsers read) and as text (for a reader).</summary>
internal static class SynthScript
{
    public const string StatJson = "stat.json", StatText = "stat.txt", Netlist = "netlist.json";

    /// <summary>The gates abc maps the Generic target to: each has a one-to-one twin in the Nangate library
    /// (AOI3 = AOI21, OAI4 = OAI22, ...), so the area table prices every cell it can produce.</summary>
    public const string GenericGates = "AND,NAND,OR,NOR,XOR,XNOR,MUX,AOI3,OAI3,AOI4,OAI4";

    public static string Yosys(IReadOnlyList<string> sources, string top, SynthOptions o)
    {
        var sb = new StringBuilder();
        sb.Append("read_verilog -defer ").AppendJoin(' ', sources).Append('\n');
        // The FPGA flows check the hierarchy themselves once their primitive libraries are read (a design may
        // instantiate DSP48E2 or SB_MAC16); the generic flow has no such library, so it checks here.
        sb.Append(o.Target == SynthTarget.Generic ? "hierarchy -check -top " : "hierarchy -top ").Append(top);
        foreach (var (k, v) in o.Parameters.OrderBy(p => p.Key, StringComparer.Ordinal)) sb.Append(" -chparam ").Append(k).Append(' ').Append(v);
        sb.Append('\n');
        switch (o.Target)
        {
            case SynthTarget.Xcup:
                // Out of context, as Vivado synthesizes a unit: no I/O or clock buffers, which are not what is counted.
                // synth_xilinx's coarse stage is run by hand without `share`, which on a whole generated top ran for
                // over 50 minutes without finishing (docs/synthesis.md); it merges multipliers whose uses exclude each
                // other, so leaving it out can only overcount, in keeping with the upper bound these figures are.
                sb.Append($"synth_xilinx -family xcup -flatten -noiopad -noclkbuf -top {top} -run :coarse\n");
                sb.Append("techmap -map +/cmp2lut.v -map +/cmp2lcu.v -D LUT_WIDTH=6\nalumacc\nopt\nmemory -nomap\nopt_clean\n");
                sb.Append($"synth_xilinx -family xcup -flatten -noiopad -noclkbuf -top {top} -run map_memory:\n");
                break;
            case SynthTarget.Ice40:
                // Only the UP5K has SB_MAC16 DSPs.
                sb.Append($"synth_ice40 -top {top}{(o.Device == Ice40Device.Up5k ? " -dsp" : "")} -json {Netlist}\n");
                break;
            case SynthTarget.Generic:
                // synth up to its fine stage leaves memories as $mem cells (memory -nomap); the rest of fine, without
                // memory_map, maps the logic to gates. Flip-flops are reduced to plain D, async-reset and async-set ones
                // (enables and sync resets become gates); memory_unpack turns the $mem cells back into memories so
                // stat counts their bits.
                // -noshare for the reason given at Xcup.
                sb.Append($"synth -flatten -noshare -top {top} -run :fine\n");
                sb.Append("opt -fast -full\ntechmap\nopt -fast\n");
                sb.Append("dfflegalize -cell $_DFF_P_ 01 -cell $_DFF_PP0_ 01 -cell $_DFF_PP1_ 01\n");
                sb.Append($"abc -g {GenericGates}\nopt_clean\nmemory_unpack\n");
                break;
        }
        sb.Append($"tee -q -o {StatJson} stat -json\ntee -q -o {StatText} stat\n");
        return sb.ToString();
    }

    public static string[] Nextpnr(SynthOptions o, string log) =>
    [
        .. o.Device == Ice40Device.Hx8k ? new[] { "--hx8k", "--package", "ct256" } : ["--up5k", "--package", "sg48"],
        "--json", Netlist, "--freq", o.ClockMhz.ToString("0.###", CultureInfo.InvariantCulture),
        // A missed target is a result (the measured Fmax), not a failure.
        "--timing-allow-fail", "-l", log,
    ];
}
