// IntOps.RoundShift (docs/integer.md §2): y = v x 2^-s rounded half up, with an arithmetic shift.
// s > 0: (v + 2^(s-1)) >>> s; s = 0: v; s < 0: v <<< -s (exact). Every narrowing in the integer path
// goes through this one adder and shifter.
module em_round_shift (
    input  wire signed [63:0] v,
    input  wire signed [7:0]  s,
    output reg  signed [63:0] y
);
    reg [7:0] left;   // -s, the left-shift amount when s < 0
    reg [7:0] right;  // s - 1, the position of the rounding half when s > 0
    always @* begin
        left = 8'd0 - s;
        right = s - 8'sd1;
        if (s > 8'sd0) y = (v + (64'sd1 <<< right)) >>> s;
        else if (s == 8'sd0) y = v;
        else y = v <<< left;
    end
endmodule
