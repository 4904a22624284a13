// One row of a 4-lane MAC array, as em_linear computes it: four int8 products summed into a W-bit accumulator
// each cycle. yosys maps the four multipliers to DSP48E2s and builds the adder tree and the accumulator in logic;
// Vivado can chain the four DSPs through their post-adders (PCOUT -> PCIN) and keep the sum inside them.
module row4 #(
    parameter integer W = 32
) (
    input  wire                clk,
    input  wire                rst,
    input  wire                en,
    input  wire [31:0]         a,   // four int8 codes
    input  wire [31:0]         b,   // four int8 weights
    output reg  signed [W-1:0] acc
);
    wire signed [15:0] p0 = $signed(a[7:0]) * $signed(b[7:0]);
    wire signed [15:0] p1 = $signed(a[15:8]) * $signed(b[15:8]);
    wire signed [15:0] p2 = $signed(a[23:16]) * $signed(b[23:16]);
    wire signed [15:0] p3 = $signed(a[31:24]) * $signed(b[31:24]);
    always @(posedge clk)
        if (rst) acc <= {W{1'b0}};
        else if (en) acc <= acc + p0 + p1 + p2 + p3;
endmodule
