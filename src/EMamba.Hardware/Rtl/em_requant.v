// IntOps.Requant / IntOps.RequantU (docs/integer.md §2): y = Sat(RoundShift(acc x mult, shift), BITS).
// acc has AW bits, mult MW; the product is kept whole (AW + MW bits) and shift lies in [SMIN, SMAX],
// so the rounded value is exact before it saturates. Power-of-two scales have mult = 1 and a layer
// with one scale passes it as a constant, so the multiplier and shifter fold away in synthesis.
module em_requant #(
    parameter integer AW = 64,
    parameter integer MW = 64,
    parameter integer SMIN = -62,
    parameter integer SMAX = 62,
    parameter integer BITS = 8,
    parameter integer UNSIGNED = 0
) (
    input  wire signed [AW-1:0]            acc,
    input  wire signed [MW-1:0]            mult,
    input  wire signed [7:0]               shift,
    output wire signed [BITS+UNSIGNED-1:0] y
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    localparam integer PW = AW + MW;
    localparam integer RW0 = SMIN > 0 ? PW - SMIN + 1 : PW - SMIN;
    localparam integer RW = RW0 < 2 ? 2 : RW0;   // a shift past the width leaves 0 or -1
    wire signed [PW-1:0] product = acc * mult;
    wire signed [RW-1:0] rounded;
    em_round_shift #(.W(PW), .OW(RW), .SMAX(SMAX)) round_u (.v(product), .s(shift), .y(rounded));
    em_sat #(.W(RW), .BITS(BITS), .UNSIGNED(UNSIGNED)) sat_u (.v(rounded), .y(y));
    /* verilator lint_on WIDTH */
endmodule
