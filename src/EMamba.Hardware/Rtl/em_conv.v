// Causal depthwise conv unit (docs/integer.md §6, Reference.CausalConv): per channel c,
// acc = b_c + sum_(k < K-1) w_ck win_ck + w_c,K-1 u0_c, requantized like §4; the window holds the
// K - 1 previous u0 codes of each channel (zeros after clear) and advances by one token. One channel
// per cycle, K multiply-accumulates in parallel: C cycles after start.
module em_conv #(
    parameter integer C = 4,
    parameter integer K = 4,
    parameter integer BITS = 8,
    parameter WEIGHTS = "weight.hex",
    parameter BIASES = "bias.hex",
    parameter MULTS = "mult.hex",
    parameter SHIFTS = "shift.hex"
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               clear,   // start of a sequence: the window is zeros
    input  wire               start,
    output wire               done,
    output wire [31:0]        u_idx,
    input  wire signed [63:0] u_data,
    output wire               y_we,
    output wire [31:0]        y_idx,
    output wire signed [63:0] y_data
);
    localparam integer KW = K - 1;

    reg [7:0]  weight_rom [0:C*K-1];
    reg [63:0] bias_rom   [0:C-1];
    reg [63:0] mult_rom   [0:C-1];
    reg [7:0]  shift_rom  [0:C-1];
    initial begin
        $readmemh(WEIGHTS, weight_rom);
        $readmemh(BIASES, bias_rom);
        $readmemh(MULTS, mult_rom);
        $readmemh(SHIFTS, shift_rom);
    end

    reg signed [63:0] window [0:C*KW-1];
    // Window entries written since clear; the others read as zero. Clearing a bit vector takes one
    // cycle whatever C, where clearing the memory itself would need a write port per entry.
    reg [C*KW-1:0] filled;
    reg        busy;
    reg [31:0] c;

    function signed [63:0] sx8;   // int8 weight, sign-extended
        input [7:0] v;
        sx8 = $signed({{56{v[7]}}, v});
    endfunction

    reg signed [63:0] acc;
    integer k;
    always @* begin
        acc = $signed(bias_rom[c]) + sx8(weight_rom[c * K + KW]) * u_data;
        for (k = 0; k < KW; k = k + 1) acc = acc + sx8(weight_rom[c * K + k]) * (filled[c * KW + k] ? window[c * KW + k] : 64'sd0);
    end

    wire signed [63:0] channel_mult = mult_rom[c];
    wire signed [7:0]  channel_shift = shift_rom[c];
    em_requant #(.BITS(BITS)) requant_u (.acc(acc), .mult(channel_mult), .shift(channel_shift), .y(y_data));

    assign u_idx = c;
    assign y_we = busy;
    assign y_idx = c;
    assign done = busy && c == C - 1;

    always @(posedge clk) begin
        if (rst || clear) begin
            busy <= 1'b0;
            c <= 32'd0;
            filled <= {C*KW{1'b0}};
        end else if (start) begin
            busy <= 1'b1;
            c <= 32'd0;
        end else if (busy) begin
            for (k = 0; k + 1 < KW; k = k + 1) begin
                window[c * KW + k] <= window[c * KW + k + 1];
                filled[c * KW + k] <= filled[c * KW + k + 1];
            end
            window[c * KW + KW - 1] <= u_data;
            filled[c * KW + KW - 1] <= 1'b1;
            if (c == C - 1) busy <= 1'b0;
            else c <= c + 32'd1;
        end
    end
endmodule
