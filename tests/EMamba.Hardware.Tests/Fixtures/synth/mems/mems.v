// Memories of three sizes and a wide multiplexer, so an UltraScale+ synthesis uses every kind of resource
// the Xcup parser counts: a RAMB36E2 (2048 x 18), a RAMB18E2 (1024 x 18), distributed RAM (32 x 8), MUXF7/8.
module mems (
    input  wire        clk,
    input  wire        we,
    input  wire [10:0] addr,
    input  wire [17:0] d,
    input  wire [63:0] sel_in,
    input  wire [5:0]  sel,
    output reg  [17:0] q36,
    output reg  [17:0] q18,
    output wire [7:0]  q32,
    output reg         bit_out
);
    reg [17:0] big [0:2047];
    reg [17:0] mid [0:1023];
    reg [7:0]  small [0:31];
    always @(posedge clk) begin
        if (we) big[addr] <= d;
        q36 <= big[addr];
        if (we) mid[addr[9:0]] <= d;
        q18 <= mid[addr[9:0]];
        if (we) small[addr[4:0]] <= d[7:0];
        bit_out <= sel_in[sel];
    end
    assign q32 = small[addr[4:0]];
endmodule
