// One multiply-accumulate unit as plain Verilog: yosys maps a * b to a DSP48E2 but leaves the W-bit
// accumulator (adder and register) in LUTs, carries and flip-flops (docs/synthesis.md, the DSP caveat).
module mac #(
    parameter integer W = 32
) (
    input  wire                clk,
    input  wire                rst,
    input  wire                en,
    input  wire signed [7:0]   a,
    input  wire signed [7:0]   b,
    output reg  signed [W-1:0] acc
);
    always @(posedge clk)
        if (rst) acc <= {W{1'b0}};
        else if (en) acc <= acc + a * b;
endmodule
