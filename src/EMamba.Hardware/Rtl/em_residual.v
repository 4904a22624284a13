// Residual add (docs/integer.md §14, Reference.Residual): both operands aligned to the finer frac by
// exact left shifts (X_LEFT, O_LEFT >= 0), added and rounded once: r = Sat(RoundShift(x' + o', SHIFT), BITS).
// x has XW bits, o OW. A unit shared by LAYERS blocks takes each constant per layer (layer l in bits
// 8 l + 7 .. 8 l) and uses the ones `layer` names.
module em_residual #(
    parameter integer LAYERS = 1,
    parameter integer XW = 64,
    parameter integer OW = 64,
    parameter [8*LAYERS-1:0] X_LEFT = {LAYERS{8'h00}},
    parameter [8*LAYERS-1:0] O_LEFT = {LAYERS{8'h00}},
    parameter [8*LAYERS-1:0] SHIFT = {LAYERS{8'h00}},
    parameter integer BITS = 16
) (
    input  wire [7:0]             layer,
    input  wire signed [XW-1:0]   x,
    input  wire signed [OW-1:0]   o,
    output wire signed [BITS-1:0] r
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    `include "em_layers.vh"   // lo8 / hi8: the smallest and largest per-layer 8-bit constant
    localparam integer S_LO = lo8(SHIFT);
    localparam integer S_HI = hi8(SHIFT);
    localparam integer XA = XW + hi8(X_LEFT);
    localparam integer OA = OW + hi8(O_LEFT);
    localparam integer SW = (XA > OA ? XA : OA) + 1;
    localparam integer RW0 = S_LO > 0 ? SW - S_LO + 1 : SW - S_LO;
    localparam integer RW = RW0 < 2 ? 2 : RW0;   // a shift past the width leaves 0 or -1
    wire [7:0] x_left = X_LEFT[8*layer +: 8];
    wire [7:0] o_left = O_LEFT[8*layer +: 8];
    wire signed [7:0] shift = SHIFT[8*layer +: 8];
    wire signed [SW-1:0] x_aligned = x;
    wire signed [SW-1:0] o_aligned = o;
    wire signed [SW-1:0] sum = (x_aligned <<< x_left) + (o_aligned <<< o_left);
    wire signed [RW-1:0] rounded;
    em_round_shift #(.W(SW), .OW(RW), .SMAX(S_HI > 0 ? S_HI : 0)) round_u (.v(sum), .s(shift), .y(rounded));
    em_sat #(.W(RW), .BITS(BITS)) sat_u (.v(rounded), .y(r));
    /* verilator lint_on WIDTH */
endmodule
