// IntOps.RoundShift (docs/integer.md §2): y = v x 2^-s rounded half up, with an arithmetic shift.
// s > 0: (v + 2^(s-1)) >>> s; s = 0: v; s < 0: v <<< -s (exact). Every narrowing in the integer path
// goes through this one adder and shifter. W is v's width and OW y's: the caller sizes OW for its
// shift range (W - s + 1 bits for s > 0, W - s for s <= 0), so no bit of the result is lost. SMAX
// is the largest right shift, so the rounding half and the sign always fit the working width.
module em_round_shift #(
    parameter integer W = 64,
    parameter integer OW = 64,
    parameter integer SMAX = 62
) (
    input  wire signed [W-1:0]  v,
    input  wire signed [7:0]    s,
    output wire signed [OW-1:0] y
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    localparam integer W1 = W + 1 > OW ? W + 1 : OW;
    localparam integer IW = W1 > SMAX + 2 ? W1 : SMAX + 2;   // working width
    localparam signed [IW-1:0] ONE = 1;
    wire signed [IW-1:0] vx = v;
    /* verilator lint_off UNUSEDSIGNAL */   // the result fits the output: its top bits repeat the sign
    reg  signed [IW-1:0] r;
    /* verilator lint_on UNUSEDSIGNAL */
    reg [7:0] left;   // -s, the left-shift amount when s < 0
    reg [7:0] right;  // s - 1, the position of the rounding half when s > 0
    always @* begin
        left = 8'd0 - s;
        right = s - 8'sd1;
        if (s > 8'sd0) r = (vx + (ONE <<< right)) >>> s;
        else if (s == 8'sd0) r = vx;
        else r = vx <<< left;
    end
    assign y = r[OW-1:0];
    /* verilator lint_on WIDTH */
endmodule
