// Gate (docs/integer.md §12, Reference.Gate): g = Sat(RoundShift(y s, f_y + f_s - f_g), BITS), where
// s = PWL SiLU(z) comes from an em_pwl unit.
module em_gate #(
    parameter signed [7:0] SHIFT = 8'sd0,
    parameter integer BITS = 16
) (
    input  wire signed [63:0] y,
    input  wire signed [63:0] s,
    output wire signed [63:0] g
);
    wire signed [63:0] product = y * s;
    wire signed [63:0] rounded;
    em_round_shift round_u (.v(product), .s(SHIFT), .y(rounded));
    em_sat #(.BITS(BITS)) sat_u (.v(rounded), .y(g));
endmodule
