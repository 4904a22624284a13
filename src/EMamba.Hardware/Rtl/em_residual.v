// Residual add (docs/integer.md §14, Reference.Residual): both operands aligned to the finer frac by
// exact left shifts (X_LEFT, O_LEFT >= 0), added and rounded once: r = Sat(RoundShift(x' + o', SHIFT), BITS).
module em_residual #(
    parameter signed [7:0] X_LEFT = 8'sd0,
    parameter signed [7:0] O_LEFT = 8'sd0,
    parameter signed [7:0] SHIFT = 8'sd0,
    parameter integer BITS = 16
) (
    input  wire signed [63:0] x,
    input  wire signed [63:0] o,
    output wire signed [63:0] r
);
    wire signed [63:0] sum = (x <<< X_LEFT) + (o <<< O_LEFT);
    wire signed [63:0] rounded;
    em_round_shift round_u (.v(sum), .s(SHIFT), .y(rounded));
    em_sat #(.BITS(BITS)) sat_u (.v(rounded), .y(r));
endmodule
