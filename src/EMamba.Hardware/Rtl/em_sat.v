// IntOps.Sat / IntOps.SatU (docs/integer.md §2): clamp to [-2^(BITS-1), 2^(BITS-1)-1], or to
// [0, 2^BITS-1] when UNSIGNED. Every operation that narrows saturates into its output domain.
module em_sat #(
    parameter integer BITS = 8,
    parameter integer UNSIGNED = 0
) (
    input  wire signed [63:0] v,
    output wire signed [63:0] y
);
    localparam signed [63:0] HI = UNSIGNED != 0 ? (64'sd1 <<< BITS) - 64'sd1 : (64'sd1 <<< (BITS - 1)) - 64'sd1;
    localparam signed [63:0] LO = UNSIGNED != 0 ? 64'sd0 : -(64'sd1 <<< (BITS - 1));
    assign y = v < LO ? LO : (v > HI ? HI : v);
endmodule
