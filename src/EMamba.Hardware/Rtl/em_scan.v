// Selective scan unit (docs/integer.md §9-§11, Reference.Scan / IntOps.StateUpdate): for channel c and
// state index k, one pair per cycle (DIN x N cycles after start):
//   e    = max(-RoundShift(Delta_c a_ck, E_SHIFT), E_MIN)                 §9
//   abar = PWL exp(e)                                                      §7
//   h_ck = Sat(RoundShift(abar h_ck + Align(Delta_c B_k u_c), ABAR_FRAC), H_BITS)   §10
//   y_c  = Sat(RoundShift(sum_k C_k h_ck + Align(D_c u_c), Y_SHIFT), Y_BITS)       §11 (written with k = N - 1)
// The state h (DIN x N) lives here and is cleared at the start of a sequence; a (= -A) and D are ROMs.
module em_scan #(
    parameter integer DIN = 4,
    parameter integer N = 2,
    parameter signed [7:0] E_SHIFT = 8'sd0,
    parameter signed [63:0] E_MIN = -64'sd32768,
    parameter signed [7:0] BX_SHIFT = 8'sd0,
    parameter signed [7:0] ABAR_FRAC = 8'sd15,
    parameter integer H_BITS = 16,
    parameter signed [7:0] D_SHIFT = 8'sd0,
    parameter signed [7:0] Y_SHIFT = 8'sd0,
    parameter integer Y_BITS = 16,
    parameter A_NEG = "a.hex",
    parameter D_SKIP = "d.hex",
    parameter integer EXP_NK = 2,
    parameter signed [63:0] EXP_BELOW = 64'sd0,
    parameter signed [63:0] EXP_ABOVE = 64'sd0,
    parameter signed [63:0] EXP_LO = 64'sd0,
    parameter signed [63:0] EXP_HI = 64'sd0,
    parameter EXP_KNOTS = "knots.hex",
    parameter EXP_VALUES = "values.hex",
    parameter EXP_SLOPES = "slopes.hex"
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               clear,   // start of a sequence: h = 0
    input  wire               start,
    output wire               done,
    output wire [31:0]        c_idx,   // reads delta_c and u_c
    output wire [31:0]        k_idx,   // reads B_k and C_k
    input  wire signed [63:0] delta_c,
    input  wire signed [63:0] u_c,
    input  wire signed [63:0] b_k,
    input  wire signed [63:0] c_k,
    output wire               h_we,    // abar and h of (c, k), for the taps
    output wire [31:0]        h_idx,
    output wire signed [63:0] abar_data,
    output wire signed [63:0] h_data,
    output wire               y_we,
    output wire [31:0]        y_idx,
    output wire signed [63:0] y_data
);
    reg [63:0] a_rom [0:DIN*N-1];
    reg [7:0]  d_rom [0:DIN-1];
    initial begin
        $readmemh(A_NEG, a_rom);
        $readmemh(D_SKIP, d_rom);
    end

    reg signed [63:0] h [0:DIN*N-1];
    reg [DIN*N-1:0] h_set;   // states written since clear; the others read as zero (a one-cycle clear)
    reg        busy;
    reg [31:0] c;
    reg [31:0] k;
    reg signed [63:0] y_acc;   // sum over k < this k of C_k h_ck

    wire [31:0] ck = c * N + k;

    // §9: the exp input, saturated at the domain's lower end (the table is constant below its lowest knot).
    wire signed [63:0] a = a_rom[ck];
    wire signed [63:0] delta_a = delta_c * a;
    wire signed [63:0] da_rounded;
    em_round_shift e_round_u (.v(delta_a), .s(E_SHIFT), .y(da_rounded));
    wire signed [63:0] e = -da_rounded < E_MIN ? E_MIN : -da_rounded;

    em_pwl #(.NK(EXP_NK), .BELOW(EXP_BELOW), .ABOVE(EXP_ABOVE), .LO(EXP_LO), .HI(EXP_HI),
             .KNOTS(EXP_KNOTS), .VALUES(EXP_VALUES), .SLOPES(EXP_SLOPES)) exp_u (.q(e), .y(abar_data));

    // §10: the state update, narrowed once for storage.
    wire signed [63:0] bx = delta_c * b_k * u_c;
    wire signed [63:0] bx_aligned;
    em_round_shift bx_align_u (.v(bx), .s(BX_SHIFT), .y(bx_aligned));
    wire signed [63:0] h_old = h_set[ck] ? h[ck] : 64'sd0;
    wire signed [63:0] h_acc = abar_data * h_old + bx_aligned;
    wire signed [63:0] h_rounded;
    em_round_shift h_round_u (.v(h_acc), .s(ABAR_FRAC), .y(h_rounded));
    em_sat #(.BITS(H_BITS)) h_sat_u (.v(h_rounded), .y(h_data));

    // §11: the readout with the D skip, written on the channel's last state index.
    wire signed [63:0] y_sum = y_acc + c_k * h_data;
    wire [7:0] d_code = d_rom[c];
    wire signed [63:0] d_skip = {{56{d_code[7]}}, d_code};
    wire signed [63:0] du = d_skip * u_c;
    wire signed [63:0] d_aligned;
    em_round_shift d_align_u (.v(du), .s(D_SHIFT), .y(d_aligned));
    wire signed [63:0] y_total = y_sum + d_aligned;
    wire signed [63:0] y_rounded;
    em_round_shift y_round_u (.v(y_total), .s(Y_SHIFT), .y(y_rounded));
    em_sat #(.BITS(Y_BITS)) y_sat_u (.v(y_rounded), .y(y_data));

    assign c_idx = c;
    assign k_idx = k;
    assign h_we = busy;
    assign h_idx = ck;
    assign y_we = busy && k == N - 1;
    assign y_idx = c;
    assign done = busy && c == DIN - 1 && k == N - 1;

    always @(posedge clk) begin
        if (rst || clear) begin
            busy <= 1'b0;
            c <= 32'd0;
            k <= 32'd0;
            y_acc <= 64'sd0;
            h_set <= {DIN*N{1'b0}};
        end else if (start) begin
            busy <= 1'b1;
            c <= 32'd0;
            k <= 32'd0;
            y_acc <= 64'sd0;
        end else if (busy) begin
            h[ck] <= h_data;
            h_set[ck] <= 1'b1;
            if (k == N - 1) begin
                k <= 32'd0;
                y_acc <= 64'sd0;
                if (c == DIN - 1) busy <= 1'b0;
                else c <= c + 32'd1;
            end else begin
                k <= k + 32'd1;
                y_acc <= y_sum;
            end
        end
    end
endmodule
