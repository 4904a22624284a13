using System.Globalization;
using System.Text;
using EMamba.Core.Integer;

namespace EMamba.Hardware;

/// <summary>A tensor the testbench observes: Trace's name and the top's tap_SIG_{we, idx, data} wires.</summary>
public sealed record Tap(string Name, string Sig, bool PerToken = true);

/// <summary>Writes the top module: the activation memories, one unit instance per operation of the
/// model, the read multiplexers, the write ports (which are also the taps) and the FSM that runs
/// <see cref="Schedule"/>. ROM images go into <c>rom/</c> of the design.</summary>
internal sealed class TopWriter(IntModel m, AcceleratorConfig c, List<Step> steps, IDictionary<string, string> files)
{
    private readonly StringBuilder decl = new(), body = new(), writes = new();
    private readonly List<Tap> taps = [];
    public IReadOnlyList<Tap> Taps => taps;

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Sig(string name) => name.Replace("blocks.", "b", StringComparison.Ordinal).Replace('.', '_');
    private static string S8(int v) => Hex.Literal(v, 8);
    private static string S64(long v) => Hex.Literal(v, 64);

    private string Rom(string name, IEnumerable<long> words, int bits)
    {
        string rel = $"rom/{name}.hex";
        files[rel] = Hex.Words(words, bits);
        return $"\"{rel}\"";
    }

    private void Mem(string sig, int size) => decl.Append($"    reg signed [63:0] m_{sig} [0:{I(size - 1)}];\n");

    private void TapWires(string name, string sig)
    {
        taps.Add(new Tap(name, sig, name != "out"));   // out is once per sample: Trace files it under token 0
    }

    private string TapDecl(string sig) => $"    wire tap_{sig}_we;\n    wire [31:0] tap_{sig}_idx;\n    wire signed [63:0] tap_{sig}_data;\n";

    /// <summary>A stored tensor written by a port: the memory, its tap and the write.</summary>
    private void Stored(string name, int size, string we, string idx, string data)
    {
        string s = Sig(name);
        Mem(s, size);
        TapWires(name, s);
        decl.Append(TapDecl(s));
        body.Append($"    assign tap_{s}_we = {we};\n    assign tap_{s}_idx = {idx};\n    assign tap_{s}_data = {data};\n");
        writes.Append($"        if (tap_{s}_we) m_{s}[tap_{s}_idx] <= tap_{s}_data;\n");
    }

    private int stateCount;
    private readonly List<string> stateNames = [];
    private string State(string name) { stateNames.Add(name); stateCount++; return name; }

    private static string StepSig(string step) => "st_" + Sig(step);

    /// <summary>The lane multiplexer of a linear unit: lane l reads src(x_base + l), zero past In.</summary>
    private void LinearUnit(string u, IntLinear l, string srcExpr, string token, string stepName)
    {
        int lanes = c.LinearLanes;
        string p = l.Name.Replace('.', '_');
        decl.Append($"    wire {u}_done;\n    wire [31:0] {u}_x_base;\n    reg [64*{I(lanes)}-1:0] {u}_x_lanes;\n    wire {u}_y_we;\n    wire [31:0] {u}_y_idx;\n    wire signed [63:0] {u}_y_data;\n");
        body.Append($"    // {l.Name}: docs/integer.md §4, {I(l.InFeatures)} -> {I(l.OutFeatures)}, {l.In} -> {l.Out}\n");
        body.Append($"    integer {u}_lane;\n    reg [31:0] {u}_col;\n    always @* begin\n        for ({u}_lane = 0; {u}_lane < {I(lanes)}; {u}_lane = {u}_lane + 1) begin\n");
        body.Append($"            {u}_col = {u}_x_base + {u}_lane;\n            {u}_x_lanes[64*{u}_lane +: 64] = {u}_col < {I(l.InFeatures)} ? {string.Format(CultureInfo.InvariantCulture, srcExpr, u + "_col")} : 64'sd0;\n        end\n    end\n");
        var bias = l.TokenBias ? l.Bias : l.Bias.Length == 0 ? new long[l.OutFeatures] : l.Bias;
        body.Append($"    em_linear #(.IN({I(l.InFeatures)}), .OUT({I(l.OutFeatures)}), .LANES({I(lanes)}), .TOKENS({I(l.TokenBias ? l.Tokens : 1)}), .BITS({I(l.Out.Bits)}), .UNSIGNED({(l.Out.Unsigned ? 1 : 0)}),\n");
        body.Append($"        .WEIGHTS({Rom(p + "_weight", l.Weight.Select(w => (long)w), 8)}), .BIASES({Rom(p + "_bias", bias, 64)}),\n");
        body.Append($"        .MULTS({Rom(p + "_mult", l.Mult, 64)}), .SHIFTS({Rom(p + "_shift", l.Shift.Select(s => (long)s), 8)})) {u} (\n");
        body.Append($"        .clk(clk), .rst(rst), .start(state == {StepSig(stepName)}_GO), .token({token}), .done({u}_done),\n");
        body.Append($"        .x_base({u}_x_base), .x_lanes({u}_x_lanes), .y_we({u}_y_we), .y_idx({u}_y_idx), .y_data({u}_y_data));\n\n");
    }

    private string NormUnit(string u, IntRangeNorm n, string src, string stepName)
    {
        string p = n.Name.Replace('.', '_');
        // One reciprocal ROM image per (D, input width): every norm of that shape shares it.
        string recip = Rom($"recip_d{I(n.Width)}_b{I(n.In.Bits)}", n.Recip, 64);
        decl.Append($"    wire {u}_done;\n    wire [31:0] {u}_x_idx;\n    wire {u}_y_we;\n    wire [31:0] {u}_y_idx;\n    wire signed [63:0] {u}_y_data;\n");
        body.Append($"    // {n.Name}: docs/integer.md §5, D = {I(n.Width)}, {n.In} -> {n.Out}\n");
        body.Append($"    em_range_norm #(.D({I(n.Width)}), .IN_BITS({I(n.In.Bits)}), .BITS({I(n.Out.Bits)}), .T_SHIFT({S8(IntOps.NormRecipFrac(n.In.Bits) - IntOps.NormTFrac)}), .Y_SHIFT({S8(IntOps.NormTFrac + n.GammaFrac - n.Out.Frac)}),\n");
        body.Append($"        .GAMMA({Rom(p + "_gamma", n.Gamma.Select(g => (long)g), 8)}), .BETA({Rom(p + "_beta", n.Beta, 64)}), .RECIP({recip})) {u} (\n");
        body.Append($"        .clk(clk), .rst(rst), .start(state == {StepSig(stepName)}_GO), .done({u}_done),\n");
        body.Append($"        .x_idx({u}_x_idx), .x_data(m_{Sig(src)}[{u}_x_idx]), .y_we({u}_y_we), .y_idx({u}_y_idx), .y_data({u}_y_data));\n\n");
        return u;
    }

    private string PwlParams(IntPwl p, string prefix)
    {
        string n = p.Name.Replace('.', '_');
        return $".{prefix}NK({I(p.Knots.Length)}), .{prefix}BELOW({S64(p.BelowSlope)}), .{prefix}ABOVE({S64(p.AboveSlope)}), .{prefix}LO({S64(p.Lo)}), .{prefix}HI({S64(p.Hi)}),\n" +
               $"        .{prefix}KNOTS({Rom(n + "_knots", p.Knots, 64)}), .{prefix}VALUES({Rom(n + "_values", p.Values, 64)}), .{prefix}SLOPES({Rom(n + "_slopes", p.Slopes, 64)})";
    }

    public string Write()
    {
        var cfg = m.Config;
        var embed = m.Embed!; var head = m.Head!;
        int nin = cfg.InChannels * cfg.Height * cfg.Width, d = cfg.DModel;
        if (m.Input.Bits > 64 || m.Output.Bits > 64) throw new NotSupportedException("stream codes wider than 64 bits");

        // ---- input buffer and patch gather (Reference.Patch): addr = base[t] + offset[i]
        Mem("input", nin);
        var off = new List<long>();
        for (int ch = 0; ch < cfg.InChannels; ch++) for (int i = 0; i < cfg.Patch; i++) for (int j = 0; j < cfg.Patch; j++) off.Add((ch * cfg.Height + i) * cfg.Width + j);
        int gw = cfg.Width / cfg.Patch;
        var bases = Enumerable.Range(0, m.Tokens).Select(t => (long)(t / gw * cfg.Patch * cfg.Width + t % gw * cfg.Patch));
        decl.Append($"    reg [31:0] patch_offset [0:{I(off.Count - 1)}];\n    reg [31:0] patch_base [0:{I(m.Tokens - 1)}];\n");
        decl.Append($"    initial begin\n        $readmemh({Rom("patch_offset", off, 32)}, patch_offset);\n        $readmemh({Rom("patch_base", bases, 32)}, patch_base);\n    end\n");

        LinearUnit("u_embed", embed, "m_input[patch_base[tok] + patch_offset[{0}]]", "tok", "embed");
        Stored("x0", d, "u_embed_y_we", "u_embed_y_idx", "u_embed_y_data");
        string x = "x0";
        foreach (var b in m.Blocks)
        {
            string p = $"blocks.{b.Index}.", q = $"b{I(b.Index)}";
            int din = b.DInner, n = b.DState, r = b.DtRank;
            NormUnit($"u_{q}_norm", b.Norm, x, p + "norm");
            Stored(p + "n", d, $"u_{q}_norm_y_we", $"u_{q}_norm_y_idx", $"u_{q}_norm_y_data");

            LinearUnit($"u_{q}_in_proj", b.InProj, $"m_{q}_n[{{0}}]", "32'd0", p + "in_proj");
            string ip = $"u_{q}_in_proj_y";
            Stored(p + "u0", din, $"{ip}_we && {ip}_idx < {I(din)}", $"{ip}_idx", $"{ip}_data");
            Stored(p + "z", din, $"{ip}_we && {ip}_idx >= {I(din)}", $"{ip}_idx - {I(din)}", $"{ip}_data");

            var cv = b.Conv; string cn = cv.Name.Replace('.', '_'), uc = $"u_{q}_conv";
            decl.Append($"    wire {uc}_done;\n    wire [31:0] {uc}_u_idx;\n    wire {uc}_y_we;\n    wire [31:0] {uc}_y_idx;\n    wire signed [63:0] {uc}_y_data;\n");
            body.Append($"    // {cv.Name}: docs/integer.md §6, {I(din)} channels, kernel {I(cv.Kernel)}, {cv.In} -> {cv.Out}\n");
            body.Append($"    em_conv #(.C({I(din)}), .K({I(cv.Kernel)}), .BITS({I(cv.Out.Bits)}),\n        .WEIGHTS({Rom(cn + "_weight", cv.Weight.Select(w => (long)w), 8)}), .BIASES({Rom(cn + "_bias", cv.Bias, 64)}),\n");
            body.Append($"        .MULTS({Rom(cn + "_mult", cv.Mult, 64)}), .SHIFTS({Rom(cn + "_shift", cv.Shift.Select(s => (long)s), 8)})) {uc} (\n");
            body.Append($"        .clk(clk), .rst(rst), .clear(clear), .start(state == {StepSig(p + "conv")}_GO), .done({uc}_done),\n");
            body.Append($"        .u_idx({uc}_u_idx), .u_data(m_{q}_u0[{uc}_u_idx]), .y_we({uc}_y_we), .y_idx({uc}_y_idx), .y_data({uc}_y_data));\n\n");
            Stored(p + "uc", din, $"{uc}_y_we", $"{uc}_y_idx", $"{uc}_y_data");
            string u = $"{q}_uc";
            if (b.ConvSilu is { } cs)
            {
                body.Append($"    // {cs.Name}: docs/integer.md §7, uc -> u\n    wire signed [63:0] {q}_conv_silu_y;\n");
                body.Append($"    em_pwl #({PwlParams(cs, "")}) u_{q}_conv_silu (.q(m_{q}_uc[ew_i]), .y({q}_conv_silu_y));\n\n");
                Stored(p + "u", din, $"state == {StepSig(p + "conv_silu")}_RUN", "ew_i", $"{q}_conv_silu_y");
                u = $"{q}_u";
            }

            LinearUnit($"u_{q}_x_proj", b.XProj, $"m_{u}[{{0}}]", "32'd0", p + "x_proj");
            string xp = $"u_{q}_x_proj_y";
            Stored(p + "dt", r, $"{xp}_we && {xp}_idx < {I(r)}", $"{xp}_idx", $"{xp}_data");
            Stored(p + "B", n, $"{xp}_we && {xp}_idx >= {I(r)} && {xp}_idx < {I(r + n)}", $"{xp}_idx - {I(r)}", $"{xp}_data");
            Stored(p + "C", n, $"{xp}_we && {xp}_idx >= {I(r + n)}", $"{xp}_idx - {I(r + n)}", $"{xp}_data");

            LinearUnit($"u_{q}_dt_proj", b.DtProj, $"m_{q}_dt[{{0}}]", "32'd0", p + "dt_proj");
            Stored(p + "delta", din, $"u_{q}_dt_proj_y_we", $"u_{q}_dt_proj_y_idx", $"u_{q}_dt_proj_y_data");

            // ---- scan (§9-§11)
            string us = $"u_{q}_scan";
            Domain dl = b.DtProj.Out, ab = b.Exp.Out, hs = b.State;
            int bxFrac = dl.Frac + b.B.Frac + b.U.Frac, accFrac = ab.Frac + hs.Frac, yAccFrac = b.C.Frac + hs.Frac;
            decl.Append($"    wire {us}_done;\n    wire [31:0] {us}_c_idx;\n    wire [31:0] {us}_k_idx;\n    wire {us}_h_we;\n    wire [31:0] {us}_h_idx;\n    wire signed [63:0] {us}_abar;\n    wire signed [63:0] {us}_h;\n    wire {us}_y_we;\n    wire [31:0] {us}_y_idx;\n    wire signed [63:0] {us}_y_data;\n");
            body.Append($"    // blocks.{I(b.Index)} scan: docs/integer.md §9-§11, {I(din)} x {I(n)} states, h {hs}, A_bar {ab}, y {b.Y}\n");
            body.Append($"    em_scan #(.DIN({I(din)}), .N({I(n)}), .E_SHIFT({S8(dl.Frac + b.A.Frac - b.ExpIn.Frac)}), .E_MIN({S64(b.ExpIn.Min)}),\n");
            body.Append($"        .BX_SHIFT({S8(bxFrac - accFrac)}), .ABAR_FRAC({S8(ab.Frac)}), .H_BITS({I(hs.Bits)}),\n");
            body.Append($"        .D_SHIFT({S8(b.DFrac + b.U.Frac - yAccFrac)}), .Y_SHIFT({S8(yAccFrac - b.Y.Frac)}), .Y_BITS({I(b.Y.Bits)}),\n");
            body.Append($"        .A_NEG({Rom($"b{I(b.Index)}_a", b.ANeg, 64)}), .D_SKIP({Rom($"b{I(b.Index)}_d", b.DSkip.Select(v => (long)v), 8)}),\n");
            body.Append($"        {PwlParams(b.Exp, "EXP_")}) {us} (\n");
            body.Append($"        .clk(clk), .rst(rst), .clear(clear), .start(state == {StepSig(p + "scan")}_GO), .done({us}_done),\n");
            body.Append($"        .c_idx({us}_c_idx), .k_idx({us}_k_idx), .delta_c(m_{q}_delta[{us}_c_idx]), .u_c(m_{u}[{us}_c_idx]),\n");
            body.Append($"        .b_k(m_{q}_B[{us}_k_idx]), .c_k(m_{q}_C[{us}_k_idx]), .h_we({us}_h_we), .h_idx({us}_h_idx), .abar_data({us}_abar), .h_data({us}_h),\n");
            body.Append($"        .y_we({us}_y_we), .y_idx({us}_y_idx), .y_data({us}_y_data));\n\n");
            foreach (var (t, data) in new[] { ("abar", $"{us}_abar"), ("h", $"{us}_h") })
            {
                string s = Sig(p + t);
                TapWires(p + t, s);
                decl.Append(TapDecl(s));
                body.Append($"    assign tap_{s}_we = {us}_h_we;\n    assign tap_{s}_idx = {us}_h_idx;\n    assign tap_{s}_data = {data};\n");
            }
            Stored(p + "y", din, $"{us}_y_we", $"{us}_y_idx", $"{us}_y_data");

            // ---- gate (§12) with SiLU(z) (§7)
            body.Append($"    // {b.Silu.Name} and the gate: docs/integer.md §7, §12, z -> s, (y, s) -> g\n    wire signed [63:0] {q}_s;\n    wire signed [63:0] {q}_g;\n");
            body.Append($"    em_pwl #({PwlParams(b.Silu, "")}) u_{q}_silu (.q(m_{q}_z[ew_i]), .y({q}_s));\n");
            body.Append($"    em_gate #(.SHIFT({S8(b.Y.Frac + b.Silu.Out.Frac - b.Gate.Frac)}), .BITS({I(b.Gate.Bits)})) u_{q}_gate (.y(m_{q}_y[ew_i]), .s({q}_s), .g({q}_g));\n\n");
            Stored(p + "g", din, $"state == {StepSig(p + "gate")}_RUN", "ew_i", $"{q}_g");

            LinearUnit($"u_{q}_out_proj", b.OutProj, $"m_{q}_g[{{0}}]", "32'd0", p + "out_proj");
            Stored(p + "o", d, $"u_{q}_out_proj_y_we", $"u_{q}_out_proj_y_idx", $"u_{q}_out_proj_y_data");

            // ---- residual (§14)
            int fx = b.Norm.In.Frac, fo = b.OutProj.Out.Frac, mf = Math.Max(fx, fo);
            body.Append($"    // blocks.{I(b.Index)} residual: docs/integer.md §14, {b.Norm.In} + {b.OutProj.Out} -> {b.Residual}\n    wire signed [63:0] {q}_r;\n");
            body.Append($"    em_residual #(.X_LEFT({S8(mf - fx)}), .O_LEFT({S8(mf - fo)}), .SHIFT({S8(mf - b.Residual.Frac)}), .BITS({I(b.Residual.Bits)})) u_{q}_residual (\n");
            body.Append($"        .x(m_{Sig(x)}[ew_i]), .o(m_{q}_o[ew_i]), .r({q}_r));\n\n");
            Stored(p + "r", d, $"state == {StepSig(p + "residual")}_RUN", "ew_i", $"{q}_r");
            x = p + "r";
        }
        NormUnit("u_norm_f", m.FinalNorm, x, "norm_f");
        // norm_f is not stored: each value is added into pooled as it is written (§15 mean pool).
        TapWires("norm_f", "norm_f");
        decl.Append(TapDecl("norm_f"));
        body.Append("    assign tap_norm_f_we = u_norm_f_y_we;\n    assign tap_norm_f_idx = u_norm_f_y_idx;\n    assign tap_norm_f_data = u_norm_f_y_data;\n");
        Mem("pooled", d);
        // pooled_set marks the sums started since start (the others read as zero): a one-cycle clear for any D.
        decl.Append($"    reg [{I(d - 1)}:0] pooled_set;\n");
        writes.Append("        if (tap_norm_f_we) begin\n            m_pooled[tap_norm_f_idx] <= (pooled_set[tap_norm_f_idx] ? m_pooled[tap_norm_f_idx] : 64'sd0) + tap_norm_f_data;\n            pooled_set[tap_norm_f_idx] <= 1'b1;\n        end\n");
        LinearUnit("u_head", head, "(pooled_set[{0}] ? m_pooled[{0}] : 64'sd0)", "32'd0", "head");
        Stored("out", cfg.NumOutputs, "u_head_y_we", "u_head_y_idx", "u_head_y_data");

        return Assemble(nin, d);
    }

    private string Assemble(int nin, int d)
    {
        var cfg = m.Config;
        int ib = m.Input.Bits, ob = m.Output.Bits, nout = cfg.NumOutputs;
        // FSM: IDLE, LOAD, a GO / RUN pair per step, OUT, DONE.
        State("S_IDLE"); State("S_LOAD");
        foreach (var s in steps) { State(StepSig(s.Name) + "_GO"); State(StepSig(s.Name) + "_RUN"); }
        State("S_OUT"); State("S_DONE");
        int sbits = Math.Max(1, (int)Math.Ceiling(Math.Log2(stateCount)));

        var sb = new StringBuilder();
        sb.Append($"// {c.TopName}: eMamba accelerator for a {cfg.Task.ToString().ToLowerInvariant()} model ({I(cfg.NLayers)} blocks, D = {I(d)}, Din = {I(cfg.DModel * cfg.Expand)}, N = {I(cfg.DState)}, T = {I(m.Tokens)} tokens),\n");
        sb.Append("// generated by eMamba.NET (src/EMamba.Hardware); docs/hardware.md describes the interface and schedule.\n");
        sb.Append("// Sequential schedule: per token, each operation of docs/integer.md §3 runs to completion on its unit\n");
        sb.Append("// (embed, then per block norm .. residual, then the final norm added into pooled), then the head.\n");
        sb.Append($"// Interface: pulse start; stream {I(nin)} input codes (s{I(ib)}, (C, H, W) order) on in_valid/in_ready;\n");
        sb.Append($"// read {I(nout)} output codes (s{I(ob)}) on out_valid/out_ready; done pulses after the last one.\n");
        sb.Append($"module {c.TopName} (\n    input  wire clk,\n    input  wire rst,\n    input  wire start,\n    output wire busy,\n    output wire done,\n");
        sb.Append($"    input  wire in_valid,\n    output wire in_ready,\n    input  wire [{I(ib - 1)}:0] in_data,\n");
        sb.Append($"    output wire out_valid,\n    input  wire out_ready,\n    output wire [{I(ob - 1)}:0] out_data\n);\n");
        sb.Append($"    localparam [{I(sbits - 1)}:0]\n");
        sb.Append(string.Join(",\n", stateNames.Select((n, i) => $"        {n} = {I(sbits)}'d{I(i)}"))).Append(";\n\n");
        sb.Append($"    reg [{I(sbits - 1)}:0] state;\n    reg [31:0] tok;     // the token being computed\n    reg [31:0] ld_i;    // input code being loaded\n    reg [31:0] ew_i;    // element of an element-wise step\n    reg [31:0] out_i;   // output code being sent\n");
        sb.Append("    wire clear = state == S_IDLE && start;   // a new sequence: conv windows and states to zero\n\n");
        sb.Append("    /* verilator lint_off UNUSEDSIGNAL */   // tap-only wires (abar, h) are read by the testbench; outputs keep only the saturated low bits\n");
        sb.Append(decl);
        sb.Append("    /* verilator lint_on UNUSEDSIGNAL */\n\n");
        sb.Append(body);
        sb.Append($"    assign busy = state != S_IDLE;\n    assign done = state == S_DONE;\n    assign in_ready = state == S_LOAD;\n    assign out_valid = state == S_OUT;\n");
        sb.Append($"    assign out_data = m_out[out_i][{I(ob - 1)}:0];\n\n");

        // Memory writes (the same ports are the taps).
        sb.Append("    always @(posedge clk) begin\n");
        sb.Append($"        if (clear) pooled_set <= {{{I(d)}{{1'b0}}}};\n");
        sb.Append($"        if (in_valid && in_ready) m_input[ld_i] <= {{{{{I(64 - ib)}{{in_data[{I(ib - 1)}]}}}}, in_data}};\n");
        sb.Append(writes).Append("    end\n\n");

        // FSM.
        sb.Append("    always @(posedge clk) begin\n        if (rst) begin\n            state <= S_IDLE;\n            tok <= 32'd0;\n            ld_i <= 32'd0;\n            ew_i <= 32'd0;\n            out_i <= 32'd0;\n        end else case (state)\n");
        sb.Append("            S_IDLE: if (start) begin\n                state <= S_LOAD;\n                ld_i <= 32'd0;\n                tok <= 32'd0;\n            end\n");
        string first = StepSig(steps[0].Name) + "_GO";
        sb.Append($"            S_LOAD: if (in_valid) begin\n                if (ld_i == {I(nin - 1)}) state <= {first};\n                else ld_i <= ld_i + 32'd1;\n            end\n");
        var perToken = steps.Where(s => s.PerToken).ToList();
        for (int i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            string st = StepSig(s.Name), next;
            bool lastOfToken = s.PerToken && (i + 1 == steps.Count || !steps[i + 1].PerToken);
            next = i + 1 < steps.Count ? StepSig(steps[i + 1].Name) + "_GO" : "S_OUT";
            bool ew = s.Kind is StepKind.Pwl or StepKind.Gate or StepKind.Residual;
            sb.Append($"            {st}_GO: begin\n                state <= {st}_RUN;\n{(ew ? "                ew_i <= 32'd0;\n" : "")}            end\n");
            string finish = lastOfToken
                ? $"if (tok == {I(m.Tokens - 1)}) state <= {next};\n                    else begin\n                        tok <= tok + 32'd1;\n                        state <= {first};\n                    end"
                : $"state <= {next};";
            if (s.Name == "head") finish = "begin\n                    state <= S_OUT;\n                    out_i <= 32'd0;\n                end";
            if (ew)
                sb.Append($"            {st}_RUN: if (ew_i == {I(s.Work - 1)}) begin\n                    {finish}\n                end else ew_i <= ew_i + 32'd1;\n");
            else
                sb.Append($"            {st}_RUN: if ({UnitOf(s)}_done) begin\n                    {finish}\n                end\n");
        }
        sb.Append($"            S_OUT: if (out_ready) begin\n                if (out_i == {I(nout - 1)}) state <= S_DONE;\n                else out_i <= out_i + 32'd1;\n            end\n");
        sb.Append("            S_DONE: state <= S_IDLE;\n            default: state <= S_IDLE;\n        endcase\n    end\nendmodule\n");
        return sb.ToString();
    }

    private static string UnitOf(Step s) => s.Name switch
    {
        "embed" => "u_embed",
        "head" => "u_head",
        "norm_f" => "u_norm_f",
        _ => "u_" + Sig(s.Name),
    };
}
