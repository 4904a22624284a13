// IntOps.Sat / IntOps.SatU (docs/integer.md §2): clamp to [-2^(BITS-1), 2^(BITS-1)-1], or to
// [0, 2^BITS-1] when UNSIGNED. Every operation that narrows saturates into its output domain. The
// result is a two's complement code of BITS + UNSIGNED bits (an unsigned code keeps a zero sign bit,
// so every datapath downstream is signed).
module em_sat #(
    parameter integer W = 64,
    parameter integer BITS = 8,
    parameter integer UNSIGNED = 0
) (
    input  wire signed [W-1:0]             v,
    output wire signed [BITS+UNSIGNED-1:0] y
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    localparam integer CW = (W > BITS + 1 ? W : BITS + 1) + 1;   // v and both bounds at one width
    localparam signed [CW-1:0] ONE = 1;
    localparam signed [CW-1:0] HI = UNSIGNED != 0 ? (ONE <<< BITS) - ONE : (ONE <<< (BITS - 1)) - ONE;
    localparam signed [CW-1:0] LO = UNSIGNED != 0 ? 0 : -(ONE <<< (BITS - 1));
    wire signed [CW-1:0] vx = v;
    /* verilator lint_off UNUSEDSIGNAL */   // the result fits the output: its top bits repeat the sign
    wire signed [CW-1:0] c = vx < LO ? LO : (vx > HI ? HI : vx);
    /* verilator lint_on UNUSEDSIGNAL */
    assign y = c[BITS+UNSIGNED-1:0];
    /* verilator lint_on WIDTH */
endmodule
