using System.Globalization;
using System.Text;
using EMamba.Core.Integer;

namespace EMamba.Hardware;

/// <summary>A tensor the testbench observes: Trace's name and the top's tap_SIG_{we, tok, idx, ok, data}
/// wires, <see cref="Lanes"/> values a write. A contiguous tap writes indices idx .. idx + Lanes - 1; a
/// scattered one (the scan's abar and h) carries one 32-bit index per lane. A <see cref="Layered"/> tap (shared
/// blocks) is named <c>blocks.L.*</c> and its tok is the job l T + t: the testbench writes it as Trace's blocks.l.* at token t.</summary>
public sealed record Tap(string Name, string Sig, int Lanes, bool Scattered = false, bool Layered = false)
{
    /// <summary>Trace's names of the tensors this tap writes: one, or one per layer.</summary>
    public IEnumerable<string> Names(int layers) => Layered
        ? Enumerable.Range(0, layers).Select(l => "blocks." + l.ToString(CultureInfo.InvariantCulture) + "." + Name[Pipeline.SharedPrefix.Length..])
        : [Name];
}

/// <summary>Writes the top module of the token-overlapped pipeline (docs/hardware.md, "Pipeline"): per
/// <see cref="Pipeline"/> stage a controller (tokens finished, busy, the go condition of
/// <see cref="CycleModel"/>) and its unit; per buffer a memory of slots x size codes; the lane read
/// multiplexers; the write ports (which are also the taps) with the element-wise ops fused on them.
/// ROM images go into <c>rom/</c> of the design.</summary>
internal sealed class TopWriter(IntModel m, AcceleratorConfig c, Pipeline pipe, CycleModel cm, IDictionary<string, string> files)
{
    private readonly StringBuilder decl = new(), body = new(), writes = new();
    private readonly List<Tap> taps = [];
    private readonly Dictionary<string, int> width = [];   // buffer -> bits of its stored codes
    private readonly bool shared = pipe.Shared;
    public IReadOnlyList<Tap> Taps => taps;

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string U(long v) => "32'd" + I(v);
    private static string Sig(string name) => name.Replace("blocks.", "b", StringComparison.Ordinal).Replace('.', '_');
    private static string S8(int v) => Hex.Literal(v, 8);
    private static string S64(long v) => Hex.Literal(v, 64);

    /// <summary>One constant per layer as a unit parameter: the literal itself for one layer, else a concatenation
    /// with layer 0 in the low bits (docs/hardware.md, "Shared blocks").</summary>
    private static string Pack(IEnumerable<long> v, Func<long, string> lit)
    {
        var a = v.ToArray();
        return a.Length == 1 ? lit(a[0]) : "{" + string.Join(", ", a.Reverse().Select(lit)) + "}";
    }
    private static string Pack8(IEnumerable<int> v) => Pack(v.Select(x => (long)x), x => S8((int)x));
    private static string Pack64(IEnumerable<long> v) => Pack(v, S64);
    private static string LayersParam(int layers) => layers > 1 ? $".LAYERS({I(layers)}), " : "";

    /// <summary>The layer a stage's unit works on: its layer counter with shared blocks, else 0.</summary>
    private string Layer(string stage) => pipe[stage].Layered ? $"lay_{St(stage)}" : "8'd0";

    /// <summary>A ROM's file name: the tensor's, with blocks.{l}. as blocks_L_ when it holds every layer.</summary>
    private static string RomName(string tensor, int layers) =>
        (layers > 1 ? System.Text.RegularExpressions.Regex.Replace(tensor, @"^blocks\.\d+\.", "blocks.L.") : tensor).Replace('.', '_');

    /// <summary>The shared residual memory (T x D codes, token t at t D): element <paramref name="idx"/> of token <paramref name="tok"/>.</summary>
    private string ResidualAt(string tok, string idx) => $"m_x[{tok} * {U(m.Config.DModel)} + {idx}]";

    /// <summary>A write port into the shared residual memory, and its tap.</summary>
    private void ResidualWrite(string name, int lanes, int bits, string we, string tapTok, string slotTok, string idx, string ok, string data)
    {
        TapOut(name, lanes, bits, we, tapTok, idx, ok, data);
        string s = Sig(name);
        writes.Append($"        for (l = 0; l < {I(lanes)}; l = l + 1)\n            if (tap_{s}_we && tap_{s}_ok[l]) {ResidualAt(slotTok, $"tap_{s}_idx + l")} <= $signed({data}[{I(bits)}*l +: {I(bits)}]);\n");
    }

    private string Rom(string name, IEnumerable<long> words, int bits)
    {
        string rel = $"rom/{name}.hex";
        files[rel] = Hex.Words(words, bits);
        return $"\"{rel}\"";
    }

    private string St(string stage) => Sig(stage);
    private string Fin(string stage) => "fin_" + St(stage);
    private string Go(string stage) => "go_" + St(stage);

    /// <summary>The address of element <paramref name="idx"/> of buffer <paramref name="b"/> in the slot of <paramref name="tok"/>.</summary>
    private static string Addr(Buffer b, string tok, string idx) =>
        b.Slots == 1 ? idx : $"{tok}[{I(b.SlotBits - 1)}:0] * {U(b.Size)} + {idx}";

    /// <summary>Read expression of element <paramref name="idx"/> of buffer <paramref name="name"/> by stage <paramref name="reader"/>.</summary>
    private string Read(string name, string reader, string idx)
    {
        var b = pipe.Buf(name);
        return $"m_{Sig(name)}[{Addr(b, Fin(reader), idx)}]";
    }

    /// <summary>A tap: its wires, assigned from the given expressions (ok is a lanes-wide mask; data holds
    /// lanes codes of <paramref name="bits"/> bits, each sign-extended to the testbench's 64).</summary>
    private void TapOut(string name, int lanes, int bits, string we, string tok, string idx, string ok, string data, bool scattered = false)
    {
        string s = Sig(name);
        taps.Add(new Tap(name, s, lanes, scattered, name.StartsWith(Pipeline.SharedPrefix, StringComparison.Ordinal)));
        decl.Append($"    wire tap_{s}_we;\n    wire [31:0] tap_{s}_tok;\n    wire [{I(32 * (scattered ? lanes : 1) - 1)}:0] tap_{s}_idx;\n    wire [{I(lanes - 1)}:0] tap_{s}_ok;\n    wire [{I(64 * lanes - 1)}:0] tap_{s}_data;\n");
        string wide = string.Join(", ", Enumerable.Range(0, lanes).Reverse().Select(l =>
            bits == 64 ? $"{data}[{I(64 * l + 63)}:{I(64 * l)}]" : $"{{{{{I(64 - bits)}{{{data}[{I(bits * l + bits - 1)}]}}}}, {data}[{I(bits * l + bits - 1)}:{I(bits * l)}]}}"));
        body.Append($"    assign tap_{s}_we = {we};\n    assign tap_{s}_tok = {tok};\n    assign tap_{s}_idx = {idx};\n    assign tap_{s}_ok = {ok};\n    assign tap_{s}_data = {{{wide}}};\n");
    }

    /// <summary>A buffered tensor: its memory of <paramref name="bits"/>-bit codes and a tap whose writes fill
    /// it (lane l to index idx + l, in the writer's slot).</summary>
    private void Stored(string name, int lanes, int bits, string we, string idx, string ok, string data)
    {
        var b = pipe.Buf(name);
        string s = Sig(name), writer = pipe.Stages[b.Writer].Name;
        width[name] = bits;
        decl.Append($"    reg signed [{I(bits - 1)}:0] m_{s} [0:{I(b.Slots * b.Size - 1)}];   // {name}: {I(b.Slots)} slot(s) x {I(b.Size)}\n");
        TapOut(name, lanes, bits, we, Fin(writer), idx, ok, data);
        writes.Append($"        for (l = 0; l < {I(lanes)}; l = l + 1)\n            if (tap_{s}_we && tap_{s}_ok[l]) m_{s}[{Addr(b, $"tap_{s}_tok", $"tap_{s}_idx + l")}] <= {data}[{I(bits)}*l +: {I(bits)}];\n");
    }

    /// <summary>A lanes-wide read port of <paramref name="bits"/>-bit codes: lane l of <paramref name="target"/>
    /// holds element base + l (zero past size).</summary>
    private void LaneMux(string target, int lanes, int bits, string baseSig, int size, Func<string, string> read)
    {
        decl.Append($"    reg [{I(bits * lanes - 1)}:0] {target};\n");
        body.Append($"    integer {target}_l;\n    reg [31:0] {target}_i;\n    always @* begin\n        for ({target}_l = 0; {target}_l < {I(lanes)}; {target}_l = {target}_l + 1) begin\n");
        body.Append($"            {target}_i = {baseSig} + {target}_l;\n            {target}[{I(bits)}*{target}_l +: {I(bits)}] = {target}_i < {U(size)} ? {read(target + "_i")} : {I(bits)}'d0;\n        end\n    end\n");
    }

    /// <summary>A lanes-wide mask: lane l is set where <paramref name="cond"/>(l) holds and the unit's ok bit does.</summary>
    private static string Mask(int lanes, string ok, Func<int, string> cond) =>
        $"{ok} & {{{string.Join(", ", Enumerable.Range(0, lanes).Reverse().Select(cond))}}}";

    private int Rows(IntLinear l) => c.RowsFor(l.InFeatures, l.OutFeatures);

    /// <summary>The widths and constants a requantizing unit (em_linear, em_conv) takes for its scales: the
    /// multiplier ROM's width, the shift range, and the single scale of a per-tensor layer.</summary>
    private static string ScaleParams(long[][] mult, int[][] shift)
    {
        bool uniform = mult.All(x => x.Distinct().Count() == 1) && shift.All(x => x.Distinct().Count() == 1);
        var all = shift.SelectMany(x => x).ToArray();
        return $".MW({I(Widths.Of(mult.SelectMany(x => x)))}), .SMIN({I(all.Min())}), .SMAX({I(Math.Max(0, all.Max()))}), .UNIFORM({(uniform ? 1 : 0)}), .MULT_C({Pack64(mult.Select(x => x[0]))}), .SHIFT_C({Pack8(shift.Select(x => x[0]))})";
    }

    /// <summary>A linear unit (one layer, or every layer of a shared stage) reading <paramref name="xw"/>-bit codes
    /// through <paramref name="src"/> (a format string of the element index); returns the bits of its output codes.</summary>
    private int LinearUnit(string u, IntLinear[] ls, string src, int xw, string stage, string token)
    {
        var l = ls[0];
        int lanes = c.LinearLanes, rows = Rows(l), ow = ls.Max(x => Widths.Of(x.Out));
        string p = RomName(l.Name, ls.Length);
        decl.Append($"    wire {u}_done;\n    wire [31:0] {u}_x_base;\n    wire {u}_y_we;\n    wire [31:0] {u}_y_row;\n    wire [{I(rows - 1)}:0] {u}_y_ok;\n    wire [{I(ow * rows - 1)}:0] {u}_y_data;\n");
        body.Append($"    // {(ls.Length > 1 ? p.Replace('_', '.') + $" (blocks 0 .. {I(ls.Length - 1)} in turn)" : l.Name)}: docs/integer.md §4, {I(l.InFeatures)} -> {I(l.OutFeatures)}, {l.In} -> {l.Out}, stage {stage}\n");
        LaneMux(u + "_x", lanes, xw, u + "_x_base", l.InFeatures, i => string.Format(CultureInfo.InvariantCulture, src, i));
        var bias = ls.SelectMany(x => x.TokenBias ? x.Bias : x.Bias.Length == 0 ? new long[x.OutFeatures] : x.Bias).ToArray();
        int bw = Widths.Of(bias), aw = ls.Max(x => Widths.Accumulator(x, Widths.MaxAbs(xw)));
        body.Append($"    em_linear #({LayersParam(ls.Length)}.IN({I(l.InFeatures)}), .OUT({I(l.OutFeatures)}), .LANES({I(lanes)}), .ROWS({I(rows)}), .TOKENS({I(l.TokenBias ? l.Tokens : 1)}), .BITS({I(l.Out.Bits)}), .UNSIGNED({(l.Out.Unsigned ? 1 : 0)}),\n");
        body.Append($"        .XW({I(xw)}), .BW({I(bw)}), .AW({I(aw)}), {ScaleParams([.. ls.Select(x => x.Mult)], [.. ls.Select(x => x.Shift)])},\n");
        body.Append($"        .WEIGHTS({Rom(p + "_weight", ls.SelectMany(x => x.Weight).Select(w => (long)w), 8)}), .BIASES({Rom(p + "_bias", bias, bw)}),\n");
        var mults = ls.SelectMany(x => x.Mult).ToArray();
        body.Append($"        .MULTS({Rom(p + "_mult", mults, Widths.Of(mults))}), .SHIFTS({Rom(p + "_shift", ls.SelectMany(x => x.Shift).Select(x => (long)x), 8)})) {u} (\n");
        body.Append($"        .clk(clk), .rst(rst), .start({Go(stage)}), .token({token}), .layer({Layer(stage)}), .done({u}_done),\n");
        body.Append($"        .x_base({u}_x_base), .x_lanes({u}_x), .y_we({u}_y_we), .y_row({u}_y_row), .y_ok({u}_y_ok), .y_data({u}_y_data));\n\n");
        return ow;
    }

    /// <summary>A range norm unit (one layer, or every layer of a shared stage) reading <paramref name="xw"/>-bit codes
    /// through <paramref name="read"/>; returns the bits of its output codes.</summary>
    private int NormUnit(string u, IntRangeNorm[] ns, Func<string, string> read, int xw, string stage)
    {
        var n = ns[0];
        int lanes = c.VectorLanes, ow = ns.Max(x => Widths.Of(x.Out)), rw = Widths.Of(n.Recip);
        var beta = ns.SelectMany(x => x.Beta).ToArray();
        int btw = Widths.Of(beta);
        string p = RomName(n.Name, ns.Length);
        // One reciprocal ROM image per (D, input width): every norm of that shape shares it. None with the divider.
        bool divider = c.NormReciprocal == NormReciprocal.Divider;
        string recip = divider ? "\"\"" : Rom($"recip_d{I(n.Width)}_b{I(n.In.Bits)}", n.Recip, rw);
        decl.Append($"    wire {u}_done;\n    wire [31:0] {u}_x_base;\n    wire {u}_y_we;\n    wire [31:0] {u}_y_idx;\n    wire [{I(lanes - 1)}:0] {u}_y_ok;\n    wire [{I(ow * lanes - 1)}:0] {u}_y_data;\n");
        body.Append($"    // {(ns.Length > 1 ? p.Replace('_', '.') + $" (blocks 0 .. {I(ns.Length - 1)} in turn)" : n.Name)}: docs/integer.md §5, D = {I(n.Width)}, {n.In} -> {n.Out}, stage {stage}\n");
        LaneMux(u + "_x", lanes, xw, u + "_x_base", n.Width, read);
        body.Append($"    em_range_norm #({LayersParam(ns.Length)}.D({I(n.Width)}), .LANES({I(lanes)}), .IN_BITS({I(n.In.Bits)}), .BITS({I(n.Out.Bits)}), .T_SHIFT({S8(IntOps.NormRecipFrac(n.In.Bits) - IntOps.NormTFrac)}), .Y_SHIFT({Pack8(ns.Select(x => IntOps.NormTFrac + x.GammaFrac - x.Out.Frac))}),\n");
        body.Append($"        .XW({I(xw)}), .BTW({I(btw)}), .RW({I(rw)}),{(divider ? $" .DIVIDER(1), .QB({I(Pipeline.QuotientBits(n))})," : "")}\n");
        body.Append($"        .GAMMA({Rom(p + "_gamma", ns.SelectMany(x => x.Gamma).Select(g => (long)g), 8)}), .BETA({Rom(p + "_beta", beta, btw)}), .RECIP({recip})) {u} (\n");
        body.Append($"        .clk(clk), .rst(rst), .start({Go(stage)}), .layer({Layer(stage)}), .done({u}_done),\n");
        body.Append($"        .x_base({u}_x_base), .x_lanes({u}_x), .y_we({u}_y_we), .y_idx({u}_y_idx), .y_ok({u}_y_ok), .y_data({u}_y_data));\n\n");
        return ow;
    }

    /// <summary>The bits of a PWL unit's output: a container of every layer's clamp range [Lo, Hi].</summary>
    private static int PwlOut(IntPwl[] ps) => Widths.Of(ps.SelectMany(p => new[] { p.Lo, p.Hi }));

    /// <summary>The ROM images of em_pwl for one table per layer, layer-major: each padded to the most knots NK by
    /// repeating its last knot and value, with its ABOVE slope on the repeats' segments.</summary>
    internal static (int Nk, long[] Knots, long[] Values, long[] Slopes) PwlTables(IntPwl[] ps)
    {
        int nk = ps.Max(x => x.Knots.Length);
        return (nk, [.. ps.SelectMany(x => x.Knots.Concat(Enumerable.Repeat(x.Knots[^1], nk - x.Knots.Length)))],
            [.. ps.SelectMany(x => x.Values.Concat(Enumerable.Repeat(x.Values[^1], nk - x.Knots.Length)))],
            [.. ps.SelectMany(x => x.Slopes.Concat(Enumerable.Repeat(x.AboveSlope, nk - x.Knots.Length)))]);
    }

    /// <summary>An em_pwl's parameters (with <paramref name="prefix"/> for em_scan's exp unit) for one table or one per
    /// layer, each padded to the most knots by repeating its last knot and value with its ABOVE slope (the same y,
    /// docs/hardware.md, "Shared blocks"); the input width QW is the instance's own.</summary>
    private string PwlParams(IntPwl[] ps, string prefix)
    {
        var p = ps[0];
        var (nk, knots, values, slopes) = PwlTables(ps);
        string n = RomName(p.Name, ps.Length);
        int kw = Widths.Of(knots), vw = Widths.Of(values), sw = Widths.Of(slopes.Concat(ps.SelectMany(x => new[] { x.BelowSlope, x.AboveSlope })));
        return $".{prefix}NK({I(nk)}), .{prefix}KW({I(kw)}), .{prefix}VW({I(vw)}), .{prefix}SW({I(sw)}), .{prefix}OW({I(PwlOut(ps))}),\n" +
               $"        .{prefix}BELOW({Pack64(ps.Select(x => x.BelowSlope))}), .{prefix}ABOVE({Pack64(ps.Select(x => x.AboveSlope))}), .{prefix}LO({Pack64(ps.Select(x => x.Lo))}), .{prefix}HI({Pack64(ps.Select(x => x.Hi))}),\n" +
               $"        .{prefix}KNOTS({Rom(n + "_knots", knots, kw)}), .{prefix}VALUES({Rom(n + "_values", values, vw)}), .{prefix}SLOPES({Rom(n + "_slopes", slopes, sw)})";
    }

    /// <summary>One combinational instance per lane, in a generate loop: <paramref name="inst"/> gets the lane's
    /// genvar and drives lane g of <paramref name="output"/> (<paramref name="bits"/> bits a lane).</summary>
    private void PerLane(string label, int lanes, int bits, string output, Func<string, string> inst)
    {
        string g = "gv_" + label;
        decl.Append($"    wire [{I(bits * lanes - 1)}:0] {output};\n");
        body.Append($"    genvar {g};\n    generate\n        for ({g} = 0; {g} < {I(lanes)}; {g} = {g} + 1) begin : {label}\n");
        body.Append(inst(g));
        body.Append("        end\n    endgenerate\n");
    }

    /// <summary>The controller of a stage: go in the cycle after the last of its own end of the previous
    /// job, its predecessor's end of this one (<see cref="Prev"/>) and every reader's end of job j - slots of
    /// each buffer it writes (<see cref="CycleModel"/>); busy until its unit's done; jobs finished. A shared
    /// block stage also counts its (layer, token).</summary>
    private void Controller(Stage s, string done, string? ready)
    {
        string n = St(s.Name);
        int count = pipe.Jobs(s, m.Tokens);
        var conds = new List<string> { "run", $"!busy_{n}", $"fin_{n} < {U(count)}" };
        if (ready != null) conds.Add(ready);
        foreach (var b in pipe.Buffers.Where(b => b.Writer == s.Index))
            foreach (int r in b.Readers)
                conds.Add($"fin_{St(pipe.Stages[r].Name)} + {U(b.Slots)} > fin_{n}");
        decl.Append($"    reg [31:0] fin_{n};   // {s.Name}: {(s.Layered ? "(layer, token) jobs" : s.PerToken ? "tokens" : "runs")} finished\n    reg busy_{n};\n    wire go_{n};\n    wire done_{n};\n");
        body.Append($"    assign go_{n} = {string.Join(" && ", conds.Distinct())};\n    assign done_{n} = {done};\n");
        ctrl.Append($"            if (go_{n}) busy_{n} <= 1'b1;\n            else if (done_{n}) begin\n                busy_{n} <= 1'b0;\n                fin_{n} <= fin_{n} + 32'd1;\n");
        if (s.Layered)
        {
            decl.Append($"    reg [7:0] lay_{n};   // the layer and token of job fin_{n}\n    reg [31:0] tok_{n};\n");
            ctrl.Append($"                if (tok_{n} == {U(m.Tokens - 1)}) begin\n                    tok_{n} <= 32'd0;\n                    lay_{n} <= lay_{n} + 8'd1;\n                end else tok_{n} <= tok_{n} + 32'd1;\n");
            ctrlReset.Append($"            lay_{n} <= 8'd0;\n            tok_{n} <= 32'd0;\n");
        }
        ctrl.Append("            end\n");
        ctrlReset.Append($"            fin_{n} <= 32'd0;\n            busy_{n} <= 1'b0;\n");
    }

    private readonly StringBuilder ctrl = new(), ctrlReset = new();

    /// <summary>A stage's wait on its predecessor (<see cref="CycleModel"/>'s rule): the same job, except that with
    /// shared blocks norm job (l, t) waits for the embedding's token t (l = 0) or out_proj's job (l - 1, t), and
    /// norm_f's token t for out_proj's job (L - 1, t).</summary>
    private string Prev(Stage s)
    {
        var before = pipe.Stages[s.Index - 1];
        if (s.Layered && !before.Layered)
        {
            string last = pipe.Stages.Last(x => x.Layered).Name;
            return $"(lay_{St(s.Name)} == 8'd0 ? {Fin(before.Name)} > tok_{St(s.Name)} : {Fin(last)} + {U(m.Tokens)} > {Fin(s.Name)})";
        }
        if (!s.Layered && before.Layered) return $"{Fin(before.Name)} > {U((pipe.Layers - 1) * m.Tokens)} + {Fin(s.Name)}";
        return $"{Fin(before.Name)} > {Fin(s.Name)}";
    }

    /// <summary>The clear of a unit that carries state across tokens (conv window, scan state): the sequence's
    /// start, and with shared blocks also each layer's first token (it comes with that job's go).</summary>
    private string ClearOf(string stage)
    {
        if (!pipe[stage].Layered) return "clear";
        string n = St(stage);
        decl.Append($"    wire clear_{n};   // a new layer: the carried state starts at zero\n");
        body.Append($"    assign clear_{n} = clear || (go_{n} && tok_{n} == 32'd0);\n");
        return "clear_" + n;
    }

    public string Write()
    {
        var cfg = m.Config;
        var embed = m.Embed!; var head = m.Head!;
        int d = cfg.DModel, sl = c.StreamLanes, ib = m.Input.Bits, ob = m.Output.Bits;
        int patch = pipe.Buf("input").Size;
        if (ib > 64 || ob > 64) throw new NotSupportedException("stream codes wider than 64 bits");

        // ---- input stream: token t's patch (Reference.Patch order), stream_lanes codes a beat
        var sIn = pipe["in"];
        int inBeats = sIn.Work;
        decl.Append("    reg [31:0] in_beat;   // beat within the current token's patch\n");
        Controller(sIn, $"busy_in && in_valid && in_beat == {U(inBeats - 1)}", null);
        var bin = pipe.Buf("input");
        decl.Append($"    reg signed [{I(ib - 1)}:0] m_input [0:{I(bin.Slots * bin.Size - 1)}];   // input: {I(bin.Slots)} slot(s) x {I(bin.Size)}\n");
        width["input"] = ib;
        writes.Append($"        if (busy_in && in_valid)\n            for (l = 0; l < {I(sl)}; l = l + 1)\n                if (in_beat * {U(sl)} + l < {U(patch)}) m_input[{Addr(bin, "fin_in", $"in_beat * {U(sl)} + l")}] <= in_data[{I(ib)}*l +: {I(ib)}];\n");
        ctrl.Append($"            if (busy_in && in_valid) in_beat <= in_beat == {U(inBeats - 1)} ? 32'd0 : in_beat + 32'd1;\n");
        ctrlReset.Append("            in_beat <= 32'd0;\n");

        var sEmbed = pipe["embed"];
        int w = LinearUnit("u_embed", [embed], Read("input", "embed", "{0}"), ib, "embed", "fin_embed");
        Controller(sEmbed, "u_embed_done", Prev(sEmbed));
        // With shared blocks the residual stream is one T x D memory as wide as its widest codes (x0 and every r).
        int xBits = shared ? m.Blocks.Select(b => Widths.Of(b.Residual)).Append(w).Max() : w;
        if (shared)
        {
            decl.Append($"    reg signed [{I(xBits - 1)}:0] m_x [0:{I(m.Tokens * d - 1)}];   // the residual stream: x0, then each block's r in place, T = {I(m.Tokens)} x {I(d)}\n");
            ResidualWrite("x0", Rows(embed), w, "u_embed_y_we", "fin_embed", "fin_embed", "u_embed_y_row", "u_embed_y_ok", "u_embed_y_data");
        }
        else Stored("x0", Rows(embed), w, "u_embed_y_we", "u_embed_y_row", "u_embed_y_ok", "u_embed_y_data");
        string x = "x0";
        // The residual stream as a stage reads it: the shared T x D memory at token tok, or buffer x in the reader's slot.
        Func<string, string> ReadX(string reader, string tok) => i => shared ? ResidualAt(tok, i) : Read(x, reader, i);
        int XBits() => shared ? xBits : width[x];
        foreach (var bs in shared ? [m.Blocks] : m.Blocks.Select(b => new[] { b }))
        {
            var b = bs[0];
            string p = shared ? Pipeline.SharedPrefix : $"blocks.{b.Index}.", q = shared ? "bL" : $"b{I(b.Index)}";
            int din = b.DInner, n = b.DState, r = b.DtRank, vl = c.VectorLanes, pl = c.SsmLanes, ql = c.StateLanes, nl = bs.Length;
            string Tensor(string name) => shared ? $"blocks (all {I(nl)} in turn) {name}" : $"blocks.{I(b.Index)} {name}";
            // A shared unit saturates at one width: every block must give each tensor the same bits (and signedness).
            foreach (var (what, pick) in new (string, Func<IntBlock, Domain>)[] { ("x", x => x.Norm.In), ("n", x => x.Norm.Out), ("in_proj", x => x.InProj.Out), ("uc", x => x.Conv.Out),
                         ("x_proj", x => x.XProj.Out), ("delta", x => x.DtProj.Out), ("h", x => x.State), ("y", x => x.Y), ("g", x => x.Gate), ("o", x => x.OutProj.Out), ("r", x => x.Residual) })
                if (bs.Select(x => (pick(x).Bits, pick(x).Unsigned)).Distinct().Count() > 1)
                    throw new NotSupportedException($"shared blocks need one precision per tensor: {what} is {string.Join(" / ", bs.Select(x => pick(x).ToString()))} across the blocks");

            var sNorm = pipe[p + "norm"];
            string normStage = p + "norm";
            w = NormUnit($"u_{q}_norm", [.. bs.Select(x => x.Norm)], ReadX(normStage, $"tok_{St(normStage)}"), XBits(), normStage);
            Controller(sNorm, $"u_{q}_norm_done", Prev(sNorm));
            Stored(p + "n", vl, w, $"u_{q}_norm_y_we", $"u_{q}_norm_y_idx", $"u_{q}_norm_y_ok", $"u_{q}_norm_y_data");

            var sIp = pipe[p + "in_proj"];
            w = LinearUnit($"u_{q}_in_proj", [.. bs.Select(x => x.InProj)], Read(p + "n", p + "in_proj", "{0}"), width[p + "n"], p + "in_proj", "32'd0");
            Controller(sIp, $"u_{q}_in_proj_done", Prev(sIp));
            string ip = $"u_{q}_in_proj_y";
            int rows = Rows(b.InProj);
            Stored(p + "u0", rows, w, $"{ip}_we", $"{ip}_row", Mask(rows, $"{ip}_ok", l => $"{ip}_row + {U(l)} < {U(din)}"), $"{ip}_data");
            Stored(p + "z", rows, w, $"{ip}_we", $"{ip}_row - {U(din)}", Mask(rows, $"{ip}_ok", l => $"{ip}_row + {U(l)} >= {U(din)}"), $"{ip}_data");

            // ---- conv (§6) with its SiLU (§7) on the write port
            var sConv = pipe[p + "conv"];
            var cvs = bs.Select(x => x.Conv).ToArray();
            var cv = cvs[0]; string cn = RomName(cv.Name, nl), uc = $"u_{q}_conv", convStage = p + "conv";
            var cbias = cvs.SelectMany(x => x.Bias).ToArray();
            int uw = width[p + "u0"], cw = cvs.Max(x => Widths.Of(x.Out)), cbw = Widths.Of(cbias);
            string convClear = ClearOf(convStage);
            decl.Append($"    wire {uc}_done;\n    wire [31:0] {uc}_u_base;\n    wire {uc}_y_we;\n    wire [31:0] {uc}_y_idx;\n    wire [{I(vl - 1)}:0] {uc}_y_ok;\n    wire [{I(cw * vl - 1)}:0] {uc}_y_data;\n");
            body.Append($"    // {Tensor("conv")}: docs/integer.md §6, {I(din)} channels, kernel {I(cv.Kernel)}, {cv.In} -> {cv.Out}, stage {convStage}\n");
            LaneMux(uc + "_u", vl, uw, uc + "_u_base", din, i => Read(p + "u0", convStage, i));
            body.Append($"    em_conv #({LayersParam(nl)}.C({I(din)}), .K({I(cv.Kernel)}), .LANES({I(vl)}), .BITS({I(cv.Out.Bits)}),\n");
            body.Append($"        .UW({I(uw)}), .BW({I(cbw)}), .AW({I(cvs.Max(x => Widths.Accumulator(x, Widths.MaxAbs(uw))))}), {ScaleParams([.. cvs.Select(x => x.Mult)], [.. cvs.Select(x => x.Shift)])},\n");
            var cmult = cvs.SelectMany(x => x.Mult).ToArray();
            body.Append($"        .WEIGHTS({Rom(cn + "_weight", cvs.SelectMany(x => x.Weight).Select(v => (long)v), 8)}), .BIASES({Rom(cn + "_bias", cbias, cbw)}),\n");
            body.Append($"        .MULTS({Rom(cn + "_mult", cmult, Widths.Of(cmult))}), .SHIFTS({Rom(cn + "_shift", cvs.SelectMany(x => x.Shift).Select(v => (long)v), 8)})) {uc} (\n");
            body.Append($"        .clk(clk), .rst(rst), .clear({convClear}), .start({Go(convStage)}), .layer({Layer(convStage)}), .done({uc}_done),\n");
            body.Append($"        .u_base({uc}_u_base), .u_lanes({uc}_u), .y_we({uc}_y_we), .y_idx({uc}_y_idx), .y_ok({uc}_y_ok), .y_data({uc}_y_data));\n\n");
            Controller(sConv, $"{uc}_done", Prev(sConv));
            string u = p + "uc";
            if (b.ConvSilu != null)
            {
                var css = bs.Select(x => x.ConvSilu!).ToArray();
                int sw = PwlOut(css);
                TapOut(p + "uc", vl, cw, $"{uc}_y_we", Fin(convStage), $"{uc}_y_idx", $"{uc}_y_ok", $"{uc}_y_data");
                body.Append($"    // {Tensor("conv SiLU")}: docs/integer.md §7, uc -> u, one PWL unit per vector lane\n");
                PerLane($"{q}_conv_silu", vl, sw, $"{q}_u_data", g =>
                    $"            wire signed [{I(sw - 1)}:0] y;\n            em_pwl #({LayersParam(nl)}.QW({I(cw)}), {PwlParams(css, "")}) pwl_u (.layer({Layer(convStage)}), .q({uc}_y_data[{I(cw)}*{g} +: {I(cw)}]), .y(y));\n            assign {q}_u_data[{I(sw)}*{g} +: {I(sw)}] = y;\n");
                Stored(p + "u", vl, sw, $"{uc}_y_we", $"{uc}_y_idx", $"{uc}_y_ok", $"{q}_u_data");
                u = p + "u";
            }
            else Stored(p + "uc", vl, cw, $"{uc}_y_we", $"{uc}_y_idx", $"{uc}_y_ok", $"{uc}_y_data");

            var sXp = pipe[p + "x_proj"];
            w = LinearUnit($"u_{q}_x_proj", [.. bs.Select(x => x.XProj)], Read(u, p + "x_proj", "{0}"), width[u], p + "x_proj", "32'd0");
            Controller(sXp, $"u_{q}_x_proj_done", Prev(sXp));
            string xp = $"u_{q}_x_proj_y";
            rows = Rows(b.XProj);
            Stored(p + "dt", rows, w, $"{xp}_we", $"{xp}_row", Mask(rows, $"{xp}_ok", l => $"{xp}_row + {U(l)} < {U(r)}"), $"{xp}_data");
            Stored(p + "B", rows, w, $"{xp}_we", $"{xp}_row - {U(r)}", Mask(rows, $"{xp}_ok", l => $"{xp}_row + {U(l)} >= {U(r)} && {xp}_row + {U(l)} < {U(r + n)}"), $"{xp}_data");
            Stored(p + "C", rows, w, $"{xp}_we", $"{xp}_row - {U(r + n)}", Mask(rows, $"{xp}_ok", l => $"{xp}_row + {U(l)} >= {U(r + n)}"), $"{xp}_data");

            var sDp = pipe[p + "dt_proj"];
            w = LinearUnit($"u_{q}_dt_proj", [.. bs.Select(x => x.DtProj)], Read(p + "dt", p + "dt_proj", "{0}"), width[p + "dt"], p + "dt_proj", "32'd0");
            Controller(sDp, $"u_{q}_dt_proj_done", Prev(sDp));
            Stored(p + "delta", Rows(b.DtProj), w, $"u_{q}_dt_proj_y_we", $"u_{q}_dt_proj_y_row", $"u_{q}_dt_proj_y_ok", $"u_{q}_dt_proj_y_data");

            // ---- scan (§9-§11) with SiLU(z) (§7) and the gate (§12) on its y port
            var sScan = pipe[p + "scan"];
            string us = $"u_{q}_scan", scanStage = p + "scan";
            int pes = pl * ql;
            var exps = bs.Select(x => x.Exp).ToArray();
            var aNeg = bs.SelectMany(x => x.ANeg).ToArray();
            int abw = PwlOut(exps), aw = Widths.Of(aNeg), hb = b.State.Bits, yb = b.Y.Bits;
            // Per layer: §9's e shift, §10's alignment of Delta B u to the state's frac, §11's D-skip alignment and readout narrowing.
            int BxFrac(IntBlock x) => x.DtProj.Out.Frac + x.B.Frac + x.U.Frac;
            int AccFrac(IntBlock x) => x.Exp.Out.Frac + x.State.Frac;
            int YAccFrac(IntBlock x) => x.C.Frac + x.State.Frac;
            string scanClear = ClearOf(scanStage);
            decl.Append($"    wire {us}_done;\n    wire [31:0] {us}_c_base;\n    wire [31:0] {us}_k_base;\n    wire {us}_h_we;\n    wire [{I(32 * pes - 1)}:0] {us}_h_idx;\n    wire [{I(pes - 1)}:0] {us}_h_ok;\n");
            decl.Append($"    wire [{I(abw * pes - 1)}:0] {us}_abar;\n    wire [{I(hb * pes - 1)}:0] {us}_h;\n    wire {us}_y_we;\n    wire [31:0] {us}_y_idx;\n    wire [{I(pl - 1)}:0] {us}_y_ok;\n    wire [{I(yb * pl - 1)}:0] {us}_y_data;\n");
            body.Append($"    // {Tensor("scan")}: docs/integer.md §9-§11, {I(din)} x {I(n)} states on {I(pl)} x {I(ql)} PEs with {I(c.ExpUnitsFor())} exp unit(s), h {b.State}, A_bar {b.Exp.Out}, y {b.Y}, stage {scanStage}\n");
            LaneMux(us + "_delta", pl, width[p + "delta"], us + "_c_base", din, i => Read(p + "delta", scanStage, i));
            LaneMux(us + "_u", pl, width[u], us + "_c_base", din, i => Read(u, scanStage, i));
            LaneMux(us + "_b", ql, width[p + "B"], us + "_k_base", n, i => Read(p + "B", scanStage, i));
            LaneMux(us + "_c", ql, width[p + "C"], us + "_k_base", n, i => Read(p + "C", scanStage, i));
            body.Append($"    em_scan #({LayersParam(nl)}.DIN({I(din)}), .N({I(n)}), .LANES({I(pl)}), .STATES({I(ql)}), .EXP_UNITS({I(c.ExpUnitsFor())}), .E_SHIFT({Pack8(bs.Select(x => x.DtProj.Out.Frac + x.A.Frac - x.ExpIn.Frac))}), .E_MIN({Pack64(bs.Select(x => x.ExpIn.Min))}),\n");
            body.Append($"        .DW({I(width[p + "delta"])}), .UW({I(width[u])}), .BW({I(width[p + "B"])}), .CW({I(width[p + "C"])}), .AW({I(aw)}),\n");
            body.Append($"        .BX_SHIFT({Pack8(bs.Select(x => BxFrac(x) - AccFrac(x)))}), .ABAR_FRAC({Pack8(bs.Select(x => x.Exp.Out.Frac))}), .H_BITS({I(hb)}),\n");
            body.Append($"        .D_SHIFT({Pack8(bs.Select(x => x.DFrac + x.U.Frac - YAccFrac(x)))}), .Y_SHIFT({Pack8(bs.Select(x => YAccFrac(x) - x.Y.Frac))}), .Y_BITS({I(yb)}),\n");
            body.Append($"        .A_NEG({Rom(shared ? "bL_a" : $"b{I(b.Index)}_a", aNeg, aw)}), .D_SKIP({Rom(shared ? "bL_d" : $"b{I(b.Index)}_d", bs.SelectMany(x => x.DSkip).Select(v => (long)v), 8)}),\n");
            body.Append($"        {PwlParams(exps, "EXP_")}) {us} (\n");
            body.Append($"        .clk(clk), .rst(rst), .clear({scanClear}), .start({Go(scanStage)}), .layer({Layer(scanStage)}), .done({us}_done),\n");
            body.Append($"        .c_base({us}_c_base), .k_base({us}_k_base), .delta_lanes({us}_delta), .u_lanes({us}_u), .b_lanes({us}_b), .c_lanes({us}_c),\n");
            body.Append($"        .h_we({us}_h_we), .h_idx({us}_h_idx), .h_ok({us}_h_ok), .abar_data({us}_abar), .h_data({us}_h),\n");
            body.Append($"        .y_we({us}_y_we), .y_idx({us}_y_idx), .y_ok({us}_y_ok), .y_data({us}_y_data));\n\n");
            Controller(sScan, $"{us}_done", Prev(sScan));
            TapOut(p + "abar", pes, abw, $"{us}_h_we", Fin(scanStage), $"{us}_h_idx", $"{us}_h_ok", $"{us}_abar", scattered: true);
            TapOut(p + "h", pes, hb, $"{us}_h_we", Fin(scanStage), $"{us}_h_idx", $"{us}_h_ok", $"{us}_h", scattered: true);
            TapOut(p + "y", pl, yb, $"{us}_y_we", Fin(scanStage), $"{us}_y_idx", $"{us}_y_ok", $"{us}_y_data");
            var silus = bs.Select(x => x.Silu).ToArray();
            int zw = width[p + "z"], sw2 = PwlOut(silus), gb = b.Gate.Bits;
            LaneMux(us + "_z", pl, zw, us + "_y_idx", din, i => Read(p + "z", scanStage, i));
            body.Append($"    // {Tensor("SiLU(z) and the gate")}: docs/integer.md §7, §12, z -> s, (y, s) -> g, one PWL and one gate per SSM lane\n");
            PerLane($"{q}_gate", pl, gb, $"{q}_g_data", g =>
                $"            wire signed [{I(sw2 - 1)}:0] s;\n            wire signed [{I(gb - 1)}:0] gy;\n            em_pwl #({LayersParam(nl)}.QW({I(zw)}), {PwlParams(silus, "")}) silu_u (.layer({Layer(scanStage)}), .q({us}_z[{I(zw)}*{g} +: {I(zw)}]), .y(s));\n" +
                $"            em_gate #({LayersParam(nl)}.YW({I(yb)}), .SW({I(sw2)}), .SHIFT({Pack8(bs.Select(x => x.Y.Frac + x.Silu.Out.Frac - x.Gate.Frac))}), .BITS({I(gb)})) gate_u (.layer({Layer(scanStage)}), .y({us}_y_data[{I(yb)}*{g} +: {I(yb)}]), .s(s), .g(gy));\n" +
                $"            assign {q}_g_data[{I(gb)}*{g} +: {I(gb)}] = gy;\n");
            Stored(p + "g", pl, gb, $"{us}_y_we", $"{us}_y_idx", $"{us}_y_ok", $"{q}_g_data");

            // ---- out_proj (§4) with the residual (§14) on its write port
            var sOp = pipe[p + "out_proj"];
            string opStage = p + "out_proj", uo = $"u_{q}_out_proj";
            int ow = LinearUnit(uo, [.. bs.Select(x => x.OutProj)], Read(p + "g", opStage, "{0}"), width[p + "g"], opStage, "32'd0");
            Controller(sOp, $"{uo}_done", Prev(sOp));
            rows = Rows(b.OutProj);
            TapOut(p + "o", rows, ow, $"{uo}_y_we", Fin(opStage), $"{uo}_y_row", $"{uo}_y_ok", $"{uo}_y_data");
            int xw = XBits(), rb = b.Residual.Bits;
            int Mf(IntBlock x) => Math.Max(x.Norm.In.Frac, x.OutProj.Out.Frac);
            body.Append($"    // {Tensor("residual")}: docs/integer.md §14, {b.Norm.In} + {b.OutProj.Out} -> {b.Residual}, one adder per row lane\n");
            string resTok = $"tok_{St(opStage)}";
            LaneMux(uo + "_res_x", rows, xw, uo + "_y_row", d, ReadX(opStage, resTok));
            PerLane($"{q}_residual", rows, rb, $"{q}_r_data", g =>
                $"            wire signed [{I(rb - 1)}:0] rr;\n            em_residual #({LayersParam(nl)}.XW({I(xw)}), .OW({I(ow)}), .X_LEFT({Pack8(bs.Select(x => Mf(x) - x.Norm.In.Frac))}), .O_LEFT({Pack8(bs.Select(x => Mf(x) - x.OutProj.Out.Frac))}), .SHIFT({Pack8(bs.Select(x => Mf(x) - x.Residual.Frac))}), .BITS({I(rb)})) residual_u (\n" +
                $"                .layer({Layer(opStage)}), .x({uo}_res_x[{I(xw)}*{g} +: {I(xw)}]), .o({uo}_y_data[{I(ow)}*{g} +: {I(ow)}]), .r(rr));\n            assign {q}_r_data[{I(rb)}*{g} +: {I(rb)}] = rr;\n");
            if (shared) ResidualWrite(p + "r", rows, rb, $"{uo}_y_we", Fin(opStage), resTok, $"{uo}_y_row", $"{uo}_y_ok", $"{q}_r_data");
            else Stored(p + "r", rows, rb, $"{uo}_y_we", $"{uo}_y_row", $"{uo}_y_ok", $"{q}_r_data");
            x = p + "r";
        }

        // ---- final norm, added into the pooled sums as it is written (§15 mean pool)
        var sNf = pipe["norm_f"];
        int nfw = NormUnit("u_norm_f", [m.FinalNorm], ReadX("norm_f", "fin_norm_f"), XBits(), "norm_f");
        Controller(sNf, "u_norm_f_done", Prev(sNf));
        int vlf = c.VectorLanes, pw = Widths.Signed(m.Tokens * Widths.MaxAbs(nfw));   // T sums of norm_f codes
        TapOut("norm_f", vlf, nfw, "u_norm_f_y_we", "fin_norm_f", "u_norm_f_y_idx", "u_norm_f_y_ok", "u_norm_f_y_data");
        decl.Append($"    reg signed [{I(pw - 1)}:0] m_pooled [0:{I(d - 1)}];   // pooled: T x s{I(nfw)} sums\n");
        // pooled_set marks the sums started since start (the others read as zero): a one-cycle clear for any D.
        decl.Append($"    reg [{I(d - 1)}:0] pooled_set;\n");
        writes.Append($"        for (l = 0; l < {I(vlf)}; l = l + 1)\n            if (tap_norm_f_we && tap_norm_f_ok[l]) begin\n");
        writes.Append($"                m_pooled[tap_norm_f_idx + l] <= (pooled_set[tap_norm_f_idx + l] ? m_pooled[tap_norm_f_idx + l] : {I(pw)}'sd0) + {{{{{I(pw - nfw)}{{u_norm_f_y_data[{I(nfw)}*l + {I(nfw - 1)}]}}}}, u_norm_f_y_data[{I(nfw)}*l +: {I(nfw)}]}};\n");
        writes.Append("                pooled_set[tap_norm_f_idx + l] <= 1'b1;\n            end\n");

        var sHead = pipe["head"];
        int hw = LinearUnit("u_head", [head], $"(pooled_set[{{0}}] ? m_pooled[{{0}}] : {I(pw)}'sd0)", pw, "head", "32'd0");
        Controller(sHead, "u_head_done", $"fin_norm_f == {U(m.Tokens)}");
        decl.Append($"    reg signed [{I(hw - 1)}:0] m_out [0:{I(cfg.NumOutputs - 1)}];\n");
        TapOut("out", Rows(head), hw, "u_head_y_we", "32'd0", "u_head_y_row", "u_head_y_ok", "u_head_y_data");   // once per sample: Trace files it under token 0
        writes.Append($"        for (l = 0; l < {I(Rows(head))}; l = l + 1)\n            if (tap_out_we && tap_out_ok[l]) m_out[tap_out_idx + l] <= u_head_y_data[{I(hw)}*l +: {I(hw)}];\n");

        // ---- output stream, stream_lanes codes a beat
        var sOut = pipe["out"];
        decl.Append("    reg [31:0] out_beat;\n");
        Controller(sOut, $"busy_out && out_ready && out_beat == {U(sOut.Work - 1)}", "fin_head == 32'd1");
        ctrl.Append($"            if (busy_out && out_ready) out_beat <= out_beat == {U(sOut.Work - 1)} ? 32'd0 : out_beat + 32'd1;\n");
        ctrlReset.Append("            out_beat <= 32'd0;\n");
        var outLanes = Enumerable.Range(0, sl).Reverse().Select(l =>
            $"(out_beat * {U(sl)} + {U(l)} < {U(cfg.NumOutputs)} ? m_out[out_beat * {U(sl)} + {U(l)}][{I(ob - 1)}:0] : {I(ob)}'d0)");
        body.Append($"    assign out_data = {{{string.Join(", ", outLanes)}}};\n");

        return Assemble();
    }

    private string Assemble()
    {
        var cfg = m.Config;
        int ib = m.Input.Bits, ob = m.Output.Bits, nout = cfg.NumOutputs, sl = c.StreamLanes, d = cfg.DModel;
        var sb = new StringBuilder();
        sb.Append($"// {c.TopName}: eMamba accelerator for a {cfg.Task.ToString().ToLowerInvariant()} model ({I(cfg.NLayers)} blocks, D = {I(d)}, Din = {I(cfg.DModel * cfg.Expand)}, N = {I(cfg.DState)}, T = {I(m.Tokens)} tokens),\n");
        sb.Append("// generated by eMamba.NET (src/EMamba.Hardware); docs/hardware.md describes the interface and the pipeline.\n");
        sb.Append($"// Token-overlapped pipeline of {I(pipe.Stages.Count)} stages: each stage's unit works on one token while the next\n");
        sb.Append("// stage works on the previous one; the scan's recurrence and the conv window stay serial inside their units.\n");
        if (shared)
            sb.Append($"// Shared blocks: one set of block units holds all {I(cfg.NLayers)} blocks' ROMs and runs them layer-major, job l T + t for\n// (layer l, token t); the residual stream is one T x D memory rewritten in place by each block's out_proj.\n");
        sb.Append($"// Initiation interval {I(cm.InitiationInterval)} cycles (the {cm.Bottleneck.Name} stage); {I(cm.Total)} cycles per inference.\n");
        sb.Append($"// Interface: pulse start; stream the {I(m.Tokens)} input tokens (patches of {I(pipe.Buf("input").Size)} s{I(ib)} codes in (c, i, j) order),\n");
        sb.Append($"// {I(sl)} code(s) a beat, on in_valid/in_ready; read {I(nout)} output codes (s{I(ob)}) on out_valid/out_ready; done pulses after the last beat.\n");
        sb.Append($"module {c.TopName} (\n    input  wire clk,\n    input  wire rst,\n    input  wire start,\n    output wire busy,\n    output wire done,\n");
        sb.Append($"    input  wire in_valid,\n    output wire in_ready,\n    input  wire [{I(ib * sl - 1)}:0] in_data,\n");
        sb.Append($"    output wire out_valid,\n    input  wire out_ready,\n    output wire [{I(ob * sl - 1)}:0] out_data\n);\n");
        sb.Append("    localparam [1:0] S_IDLE = 2'd0, S_RUN = 2'd1, S_DONE = 2'd2;\n    reg [1:0] state;\n");
        sb.Append("    wire clear = state == S_IDLE && start;   // a new sequence: conv windows, states, pooled sums and stage counters to zero\n");
        sb.Append("    wire run = state == S_RUN;\n    integer l;\n\n");
        sb.Append("    /* verilator lint_off UNUSEDSIGNAL */   // tap-only wires are read by the testbench; outputs keep only the saturated low bits\n");
        sb.Append(decl);
        sb.Append("    /* verilator lint_on UNUSEDSIGNAL */\n\n");
        sb.Append(body);
        sb.Append("\n    assign busy = state != S_IDLE;\n    assign done = state == S_DONE;\n    assign in_ready = busy_in;\n    assign out_valid = busy_out;\n\n");

        sb.Append("    // Memory writes (the same ports are the taps).\n    always @(posedge clk) begin\n");
        sb.Append($"        if (clear) pooled_set <= {{{I(d)}{{1'b0}}}};\n");
        sb.Append(writes).Append("    end\n\n");

        sb.Append("    // Stage controllers and the top state.\n    always @(posedge clk) begin\n        if (rst || clear) begin\n");
        sb.Append(ctrlReset);
        sb.Append("        end else begin\n").Append(ctrl).Append("        end\n    end\n\n");
        sb.Append("    always @(posedge clk) begin\n        if (rst) state <= S_IDLE;\n        else case (state)\n");
        sb.Append("            S_IDLE: if (start) state <= S_RUN;\n            S_RUN: if (done_out) state <= S_DONE;\n            default: state <= S_IDLE;\n        endcase\n    end\nendmodule\n");
        return sb.ToString();
    }
}
