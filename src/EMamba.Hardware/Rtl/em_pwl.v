// Piecewise-linear unit on codes (docs/integer.md §7, IntOps.Pwl), combinational: below the first
// knot y = v_0 + RoundShift((q - k_0) BELOW, 16); at or above the last y = v_K + RoundShift((q - k_K) ABOVE, 16);
// otherwise y = v_j + RoundShift((q - k_j) s_j, 16) on the last segment with k_j <= q; then clamped to
// [LO, HI]. Knots, values and the NK - 1 segment slopes (Q16) are ROMs; used for SiLU and exp.
module em_pwl #(
    parameter integer NK = 2,
    parameter signed [63:0] BELOW = 64'sd0,
    parameter signed [63:0] ABOVE = 64'sd0,
    parameter signed [63:0] LO = 64'sd0,
    parameter signed [63:0] HI = 64'sd0,
    parameter KNOTS = "knots.hex",
    parameter VALUES = "values.hex",
    parameter SLOPES = "slopes.hex"
) (
    input  wire signed [63:0] q,
    output wire signed [63:0] y
);
    localparam signed [7:0] SLOPE_FRAC = 8'sd16;

    reg [63:0] knot_rom  [0:NK-1];
    reg [63:0] value_rom [0:NK-1];
    reg [63:0] slope_rom [0:NK-2];
    initial begin
        $readmemh(KNOTS, knot_rom);
        $readmemh(VALUES, value_rom);
        $readmemh(SLOPES, slope_rom);
    end

    // The segment: the last knot at or below q (segment 0 below the first knot, NK - 1 at or above the last).
    reg [31:0] seg;
    integer j;
    always @* begin
        seg = 32'd0;
        for (j = 1; j < NK; j = j + 1)
            if (q >= $signed(knot_rom[j])) seg = j;
    end

    reg signed [63:0] slope;
    always @* begin
        if (q < $signed(knot_rom[0])) slope = BELOW;
        else if (seg == NK - 1) slope = ABOVE;
        else slope = $signed(slope_rom[seg]);
    end

    wire signed [63:0] knot = knot_rom[seg];
    wire signed [63:0] value = value_rom[seg];
    wire signed [63:0] offset = (q - knot) * slope;
    wire signed [63:0] step;
    em_round_shift step_u (.v(offset), .s(SLOPE_FRAC), .y(step));
    wire signed [63:0] raw = value + step;
    assign y = raw < LO ? LO : (raw > HI ? HI : raw);
endmodule
