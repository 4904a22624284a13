// A MAC fed from a 256 x 8 RAM and a 16-entry ROM read with $readmemh: one unit with a memory, a ROM image
// and an accumulator, small enough for every target (and for an iCE40's 256 I/O).
module macmem (
    input  wire               clk,
    input  wire               rst,
    input  wire               en,
    input  wire               we,
    input  wire [7:0]         addr,
    input  wire signed [7:0]  d,
    output reg  signed [31:0] acc
);
    reg signed [7:0] ram [0:255];
    reg signed [7:0] rom [0:15];
    initial $readmemh("rom/coef.hex", rom);
    reg signed [7:0] q, c;
    always @(posedge clk) begin
        if (we) ram[addr] <= d;
        q <= ram[addr];
        c <= rom[addr[3:0]];
    end
    always @(posedge clk)
        if (rst) acc <= 32'sd0;
        else if (en) acc <= acc + q * c;
endmodule
