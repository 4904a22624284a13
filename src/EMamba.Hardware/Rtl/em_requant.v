// IntOps.Requant / IntOps.RequantU (docs/integer.md §2): y = Sat(RoundShift(acc x mult, shift), BITS).
// Power-of-two scales have mult = 1 (the multiplier is then a wire); the product stays below 2^62 by
// the load-time bound of §2, so 64 bits hold it exactly.
module em_requant #(
    parameter integer BITS = 8,
    parameter integer UNSIGNED = 0
) (
    input  wire signed [63:0] acc,
    input  wire signed [63:0] mult,
    input  wire signed [7:0]  shift,
    output wire signed [63:0] y
);
    wire signed [63:0] product = acc * mult;
    wire signed [63:0] rounded;
    em_round_shift round_u (.v(product), .s(shift), .y(rounded));
    em_sat #(.BITS(BITS), .UNSIGNED(UNSIGNED)) sat_u (.v(rounded), .y(y));
endmodule
