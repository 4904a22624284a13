// Gate (docs/integer.md §12, Reference.Gate): g = Sat(RoundShift(y s, f_y + f_s - f_g), BITS), where
// s = PWL SiLU(z) comes from an em_pwl unit; y has YW bits, s SW. A unit shared by LAYERS blocks takes
// one shift per layer (SHIFT: layer l in bits 8 l + 7 .. 8 l) and uses the one `layer` names.
module em_gate #(
    parameter integer LAYERS = 1,
    parameter integer YW = 64,
    parameter integer SW = 64,
    parameter [8*LAYERS-1:0] SHIFT = {LAYERS{8'h00}},
    parameter integer BITS = 16
) (
    input  wire [7:0]             layer,
    input  wire signed [YW-1:0]   y,
    input  wire signed [SW-1:0]   s,
    output wire signed [BITS-1:0] g
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    `include "em_layers.vh"   // lo8 / hi8: the smallest and largest per-layer 8-bit constant
    localparam integer S_LO = lo8(SHIFT);
    localparam integer S_HI = hi8(SHIFT);
    localparam integer PW = YW + SW;
    localparam integer RW0 = S_LO > 0 ? PW - S_LO + 1 : PW - S_LO;
    localparam integer RW = RW0 < 2 ? 2 : RW0;   // a shift past the width leaves 0 or -1
    wire signed [7:0] shift = SHIFT[8*layer +: 8];
    wire signed [PW-1:0] product = y * s;
    wire signed [RW-1:0] rounded;
    em_round_shift #(.W(PW), .OW(RW), .SMAX(S_HI > 0 ? S_HI : 0)) round_u (.v(product), .s(shift), .y(rounded));
    em_sat #(.W(RW), .BITS(BITS)) sat_u (.v(rounded), .y(g));
    /* verilator lint_on WIDTH */
endmodule
