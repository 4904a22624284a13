// Causal depthwise conv unit (docs/integer.md §6, Reference.CausalConv): per channel c,
// acc = b_c + sum_(k < K-1) w_ck win_ck + w_c,K-1 u0_c, requantized like §4; the window holds the
// K - 1 previous u0 codes of each channel (zeros after clear) and advances by one token. LANES
// channels per cycle (u_lanes holds channels u_base .. u_base + LANES - 1), K multiply-accumulates
// each: ceil(C / LANES) cycles after start. Widths as em_linear: inputs UW bits, biases BW,
// accumulators AW, multipliers MW, shifts in [SMIN, SMAX] (or one scale: UNIFORM, MULT_C, SHIFT_C).
// A unit shared by LAYERS blocks holds every layer's ROMs one after another (layer-major) and its
// MULT_C and SHIFT_C (layer l in bits 64 l + 63 .. 64 l and 8 l + 7 .. 8 l); start latches `layer`,
// and clear at a layer's first token (it may come with start) empties the window.
module em_conv #(
    parameter integer LAYERS = 1,
    parameter integer C = 4,
    parameter integer K = 4,
    parameter integer LANES = 1,
    parameter integer BITS = 8,
    parameter integer UW = 64,
    parameter integer BW = 64,
    parameter integer AW = 64,
    parameter integer MW = 64,
    parameter integer SMIN = -62,
    parameter integer SMAX = 62,
    parameter integer UNIFORM = 0,
    parameter [64*LAYERS-1:0] MULT_C = {LAYERS{64'h1}},
    parameter [8*LAYERS-1:0] SHIFT_C = {LAYERS{8'h00}},
    parameter WEIGHTS = "weight.hex",
    parameter BIASES = "bias.hex",
    parameter MULTS = "mult.hex",
    parameter SHIFTS = "shift.hex"
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire                  clear,   // start of a sequence: the window is zeros
    input  wire                  start,
    input  wire [7:0]            layer,
    output wire                  done,
    output wire [31:0]           u_base,
    input  wire [UW*LANES-1:0]   u_lanes,
    output wire                  y_we,
    output wire [31:0]           y_idx,   // the first channel of this write; channel y_idx + l is y_data lane l
    output wire [LANES-1:0]      y_ok,
    output wire [BITS*LANES-1:0] y_data
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    localparam integer KW = K - 1;
    localparam integer GROUPS = (C + LANES - 1) / LANES;
    localparam signed [AW-1:0] ACC_ZERO = 0;
    localparam signed [UW-1:0] U_ZERO = 0;

    reg [7:0]    weight_rom [0:LAYERS*C*K-1];
    reg [BW-1:0] bias_rom   [0:LAYERS*C-1];
    reg [MW-1:0] mult_rom   [0:LAYERS*C-1];
    reg [7:0]    shift_rom  [0:LAYERS*C-1];
    initial begin
        $readmemh(WEIGHTS, weight_rom);
        $readmemh(BIASES, bias_rom);
        $readmemh(MULTS, mult_rom);
        $readmemh(SHIFTS, shift_rom);
    end

    reg signed [UW-1:0] window [0:C*KW-1];
    // Window entries written since clear; the others read as zero. Clearing a bit vector takes one
    // cycle whatever C, where clearing the memory itself would need a write port per entry.
    reg [C*KW-1:0] filled;
    reg        busy;
    reg [31:0] group;
    reg [7:0]  lay_r;   // the layer of the current token, latched at start
    wire [7:0] lay = LAYERS > 1 ? lay_r : 8'd0;   // one layer: a constant, so the ROM addressing folds away

    genvar gl;
    generate
        for (gl = 0; gl < LANES; gl = gl + 1) begin : lane
            wire [31:0] c = group * LANES + gl;
            wire [31:0] lc = lay * C + c;   // the channel's ROM entry
            wire in_range = c < C;
            wire signed [UW-1:0] u = u_lanes[UW*gl +: UW];
            reg signed [AW-1:0] acc;
            integer k;
            always @* begin
                acc = ACC_ZERO;
                if (in_range) begin
                    acc = $signed(bias_rom[lc]) + $signed(weight_rom[lc * K + KW]) * u;
                    for (k = 0; k < KW; k = k + 1) acc = acc + $signed(weight_rom[lc * K + k]) * (filled[c * KW + k] ? window[c * KW + k] : U_ZERO);
                end
            end
            wire signed [MW-1:0] rom_mult = mult_rom[lc];
            wire signed [7:0]    rom_shift = shift_rom[lc];
            wire signed [MW-1:0] channel_mult = UNIFORM != 0 ? MULT_C[64*lay +: MW] : in_range ? rom_mult : {MW{1'b0}};
            wire signed [7:0]    channel_shift = UNIFORM != 0 ? SHIFT_C[8*lay +: 8] : in_range ? rom_shift : 8'sd0;
            wire signed [BITS-1:0] y_c;
            em_requant #(.AW(AW), .MW(MW), .SMIN(SMIN), .SMAX(SMAX), .BITS(BITS)) requant_u (
                .acc(acc), .mult(channel_mult), .shift(channel_shift), .y(y_c));
            assign y_data[BITS*gl +: BITS] = y_c;
            assign y_ok[gl] = in_range;
        end
    endgenerate

    assign u_base = group * LANES;
    assign y_we = busy;
    assign y_idx = group * LANES;
    assign done = busy && group == GROUPS - 1;

    integer l, kk;
    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
            group <= 32'd0;
            lay_r <= 8'd0;
            filled <= {C*KW{1'b0}};
        end else if (start) begin
            busy <= 1'b1;
            group <= 32'd0;
            lay_r <= layer;
            if (clear) filled <= {C*KW{1'b0}};
        end else if (clear) filled <= {C*KW{1'b0}};
        else if (busy) begin
            for (l = 0; l < LANES; l = l + 1) begin
                if (group * LANES + l < C) begin
                    for (kk = 0; kk + 1 < KW; kk = kk + 1) begin
                        window[(group * LANES + l) * KW + kk] <= window[(group * LANES + l) * KW + kk + 1];
                        filled[(group * LANES + l) * KW + kk] <= filled[(group * LANES + l) * KW + kk + 1];
                    end
                    window[(group * LANES + l) * KW + KW - 1] <= $signed(u_lanes[UW*l +: UW]);
                    filled[(group * LANES + l) * KW + KW - 1] <= 1'b1;
                end
            end
            if (group == GROUPS - 1) busy <= 1'b0;
            else group <= group + 32'd1;
        end
    end
    /* verilator lint_on WIDTH */
endmodule
