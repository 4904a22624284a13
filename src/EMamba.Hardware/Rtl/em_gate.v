// Gate (docs/integer.md §12, Reference.Gate): g = Sat(RoundShift(y s, f_y + f_s - f_g), BITS), where
// s = PWL SiLU(z) comes from an em_pwl unit; y has YW bits, s SW.
module em_gate #(
    parameter integer YW = 64,
    parameter integer SW = 64,
    parameter signed [7:0] SHIFT = 8'sd0,
    parameter integer BITS = 16
) (
    input  wire signed [YW-1:0]   y,
    input  wire signed [SW-1:0]   s,
    output wire signed [BITS-1:0] g
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    localparam integer PW = YW + SW;
    localparam integer RW0 = SHIFT > 0 ? PW - SHIFT + 1 : PW - SHIFT;
    localparam integer RW = RW0 < 2 ? 2 : RW0;   // a shift past the width leaves 0 or -1
    wire signed [PW-1:0] product = y * s;
    wire signed [RW-1:0] rounded;
    em_round_shift #(.W(PW), .OW(RW), .SMAX(SHIFT > 0 ? SHIFT : 0)) round_u (.v(product), .s(SHIFT), .y(rounded));
    em_sat #(.W(RW), .BITS(BITS)) sat_u (.v(rounded), .y(g));
    /* verilator lint_on WIDTH */
endmodule
