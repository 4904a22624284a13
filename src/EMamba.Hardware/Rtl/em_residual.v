// Residual add (docs/integer.md §14, Reference.Residual): both operands aligned to the finer frac by
// exact left shifts (X_LEFT, O_LEFT >= 0), added and rounded once: r = Sat(RoundShift(x' + o', SHIFT), BITS).
// x has XW bits, o OW.
module em_residual #(
    parameter integer XW = 64,
    parameter integer OW = 64,
    parameter signed [7:0] X_LEFT = 8'sd0,
    parameter signed [7:0] O_LEFT = 8'sd0,
    parameter signed [7:0] SHIFT = 8'sd0,
    parameter integer BITS = 16
) (
    input  wire signed [XW-1:0]   x,
    input  wire signed [OW-1:0]   o,
    output wire signed [BITS-1:0] r
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    localparam integer XA = XW + X_LEFT;
    localparam integer OA = OW + O_LEFT;
    localparam integer SW = (XA > OA ? XA : OA) + 1;
    localparam integer RW0 = SHIFT > 0 ? SW - SHIFT + 1 : SW - SHIFT;
    localparam integer RW = RW0 < 2 ? 2 : RW0;   // a shift past the width leaves 0 or -1
    wire signed [SW-1:0] x_aligned = x;
    wire signed [SW-1:0] o_aligned = o;
    wire signed [SW-1:0] sum = (x_aligned <<< X_LEFT) + (o_aligned <<< O_LEFT);
    wire signed [RW-1:0] rounded;
    em_round_shift #(.W(SW), .OW(RW), .SMAX(SHIFT > 0 ? SHIFT : 0)) round_u (.v(sum), .s(SHIFT), .y(rounded));
    em_sat #(.W(RW), .BITS(BITS)) sat_u (.v(rounded), .y(r));
    /* verilator lint_on WIDTH */
endmodule
