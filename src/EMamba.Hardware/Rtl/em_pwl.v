// Piecewise-linear unit on codes (docs/integer.md §7, IntOps.Pwl), combinational: below the first
// knot y = v_0 + RoundShift((q - k_0) BELOW, 16); at or above the last y = v_K + RoundShift((q - k_K) ABOVE, 16);
// otherwise y = v_j + RoundShift((q - k_j) s_j, 16) on the last segment with k_j <= q; then clamped to
// [LO, HI]. Knots, values and the NK - 1 segment slopes (Q16) are ROMs; used for SiLU and exp.
// q has QW bits; knots KW, values VW and slopes SW (BELOW and ABOVE included); y OW bits (holds LO .. HI).
// A unit shared by LAYERS blocks holds every layer's table (layer l at knots l NK .., slopes l (NK - 1) ..)
// and its BELOW, ABOVE, LO and HI (layer l in bits 64 l + 63 .. 64 l), and uses the ones `layer` names.
// A table with fewer knots than NK repeats its last knot and value with the ABOVE slope (the generator
// pads it so), which gives the same y: q at or above the last knot lands on a repeat.
module em_pwl #(
    parameter integer LAYERS = 1,
    parameter integer NK = 2,
    parameter integer QW = 64,
    parameter integer KW = 64,
    parameter integer VW = 64,
    parameter integer SW = 64,
    parameter integer OW = 64,
    parameter [64*LAYERS-1:0] BELOW = {LAYERS{64'h0}},
    parameter [64*LAYERS-1:0] ABOVE = {LAYERS{64'h0}},
    parameter [64*LAYERS-1:0] LO = {LAYERS{64'h0}},
    parameter [64*LAYERS-1:0] HI = {LAYERS{64'h0}},
    parameter KNOTS = "knots.hex",
    parameter VALUES = "values.hex",
    parameter SLOPES = "slopes.hex"
) (
    input  wire [7:0]           layer,
    input  wire signed [QW-1:0] q,
    output wire signed [OW-1:0] y
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    localparam integer SLOPE_FRAC = 16;
    localparam integer DW = (QW > KW ? QW : KW) + 1;       // q - knot
    localparam integer PW = DW + SW;                       // (q - knot) x slope
    localparam integer STW0 = PW - SLOPE_FRAC + 1;         // after the Q16 rounding shift
    localparam integer STW = STW0 < 2 ? 2 : STW0;
    localparam integer RAW = (VW > STW ? VW : STW) + 1;    // value + step
    localparam integer CW = (RAW > OW ? RAW : OW) + 1;     // the clamp's width

    reg [KW-1:0] knot_rom  [0:LAYERS*NK-1];
    reg [VW-1:0] value_rom [0:LAYERS*NK-1];
    reg [SW-1:0] slope_rom [0:LAYERS*(NK-1)-1];
    initial begin
        $readmemh(KNOTS, knot_rom);
        $readmemh(VALUES, value_rom);
        $readmemh(SLOPES, slope_rom);
    end

    wire [31:0] k0 = layer * NK;         // this layer's first knot and value
    wire [31:0] s0 = layer * (NK - 1);   // and its first slope
    /* verilator lint_off UNUSEDSIGNAL */   // each is cut to the width it is used at
    wire signed [63:0] below = BELOW[64*layer +: 64];
    wire signed [63:0] above = ABOVE[64*layer +: 64];
    wire signed [63:0] lo = LO[64*layer +: 64];
    wire signed [63:0] hi = HI[64*layer +: 64];
    /* verilator lint_on UNUSEDSIGNAL */

    // The segment: the last knot at or below q (segment 0 below the first knot, NK - 1 at or above the last).
    reg [31:0] seg;
    integer j;
    always @* begin
        seg = 32'd0;
        for (j = 1; j < NK; j = j + 1)
            if (q >= $signed(knot_rom[k0 + j])) seg = j;
    end

    reg signed [SW-1:0] slope;
    always @* begin
        if (q < $signed(knot_rom[k0])) slope = below[SW-1:0];
        else if (seg == NK - 1) slope = above[SW-1:0];
        else slope = $signed(slope_rom[s0 + seg]);
    end

    wire signed [KW-1:0] knot = knot_rom[k0 + seg];
    wire signed [VW-1:0] value = value_rom[k0 + seg];
    wire signed [DW-1:0] q_wide = q;
    wire signed [DW-1:0] knot_wide = knot;
    wire signed [PW-1:0] offset = (q_wide - knot_wide) * slope;
    wire signed [STW-1:0] step;
    em_round_shift #(.W(PW), .OW(STW), .SMAX(SLOPE_FRAC)) step_u (.v(offset), .s(8'sd16), .y(step));
    wire signed [CW-1:0] value_wide = value;
    wire signed [CW-1:0] step_wide = step;
    wire signed [CW-1:0] raw = value_wide + step_wide;
    wire signed [CW-1:0] lo_c = lo;
    wire signed [CW-1:0] hi_c = hi;
    /* verilator lint_off UNUSEDSIGNAL */   // the result fits the output: its top bits repeat the sign
    wire signed [CW-1:0] clamped = raw < lo_c ? lo_c : (raw > hi_c ? hi_c : raw);
    /* verilator lint_on UNUSEDSIGNAL */
    assign y = clamped[OW-1:0];
    /* verilator lint_on WIDTH */
endmodule
