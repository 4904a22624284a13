// Selective scan unit (docs/integer.md §9-§11, Reference.Scan / IntOps.StateUpdate): an array of
// LANES channels x STATES state indices; processing element (p, q) updates channel c = cg LANES + p,
// state k = kg STATES + q in each cycle of channel group cg and state group kg
// (ceil(DIN / LANES) x ceil(N / STATES) cycles after start):
//   e    = max(-RoundShift(Delta_c a_ck, E_SHIFT), E_MIN)                 §9
//   abar = PWL exp(e)                                                      §7 (one exp unit per PE)
//   h_ck = Sat(RoundShift(abar h_ck + Align(Delta_c B_k u_c), ABAR_FRAC), H_BITS)   §10
//   y_c  = Sat(RoundShift(sum_k C_k h_ck + Align(D_c u_c), Y_SHIFT), Y_BITS)       §11 (written in the last state group)
// The state h (DIN x N) lives here and is cleared at the start of a sequence; a (= -A) and D are ROMs.
module em_scan #(
    parameter integer DIN = 4,
    parameter integer N = 2,
    parameter integer LANES = 1,
    parameter integer STATES = 1,
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
    input  wire                         clk,
    input  wire                         rst,
    input  wire                         clear,     // start of a sequence: h = 0
    input  wire                         start,
    output wire                         done,
    output wire [31:0]                  c_base,    // delta_lanes and u_lanes hold channels c_base ..
    output wire [31:0]                  k_base,    // b_lanes and c_lanes hold states k_base ..
    input  wire [64*LANES-1:0]          delta_lanes,
    input  wire [64*LANES-1:0]          u_lanes,
    input  wire [64*STATES-1:0]         b_lanes,
    input  wire [64*STATES-1:0]         c_lanes,
    output wire                         h_we,      // abar and h of every PE, for the taps
    output wire [32*LANES*STATES-1:0]   h_idx,     // c N + k per PE
    output wire [LANES*STATES-1:0]      h_ok,
    output wire [64*LANES*STATES-1:0]   abar_data,
    output wire [64*LANES*STATES-1:0]   h_data,
    output wire                         y_we,
    output wire [31:0]                  y_idx,     // the first channel of this write
    output wire [LANES-1:0]             y_ok,
    output wire [64*LANES-1:0]          y_data
);
    localparam integer C_GROUPS = (DIN + LANES - 1) / LANES;
    localparam integer K_GROUPS = (N + STATES - 1) / STATES;

    reg [63:0] a_rom [0:DIN*N-1];
    reg [7:0]  d_rom [0:DIN-1];
    initial begin
        $readmemh(A_NEG, a_rom);
        $readmemh(D_SKIP, d_rom);
    end

    reg signed [63:0] h [0:DIN*N-1];
    reg [DIN*N-1:0] h_set;   // states written since clear; the others read as zero (a one-cycle clear)
    reg        busy;
    reg [31:0] cg;
    reg [31:0] kg;
    reg [64*LANES-1:0] y_acc;   // per channel lane: sum over earlier state groups of C_k h_ck
    wire [64*LANES*STATES-1:0] terms;   // C_k h_ck of every PE (zero where masked off)
    wire [64*LANES-1:0] y_sums;         // y_acc plus this cycle's terms, per channel lane

    genvar gp, gq;
    generate
        for (gp = 0; gp < LANES; gp = gp + 1) begin : ch
            wire [31:0] c = cg * LANES + gp;
            wire c_ok = c < DIN;
            wire signed [63:0] delta_c = delta_lanes[64*gp +: 64];
            wire signed [63:0] u_c = u_lanes[64*gp +: 64];
            for (gq = 0; gq < STATES; gq = gq + 1) begin : pe
                localparam integer PE = gp * STATES + gq;
                wire [31:0] k = kg * STATES + gq;
                wire ok = c_ok && k < N;
                wire [31:0] ck = c * N + k;
                wire signed [63:0] b_k = b_lanes[64*gq +: 64];
                wire signed [63:0] c_k = c_lanes[64*gq +: 64];
                // §9: the exp input, saturated at the domain's lower end (the table is constant below its lowest knot).
                wire signed [63:0] a = ok ? a_rom[ck] : 64'sd0;
                wire signed [63:0] delta_a = delta_c * a;
                wire signed [63:0] da_rounded;
                em_round_shift e_round_u (.v(delta_a), .s(E_SHIFT), .y(da_rounded));
                wire signed [63:0] e = -da_rounded < E_MIN ? E_MIN : -da_rounded;
                wire signed [63:0] abar;
                em_pwl #(.NK(EXP_NK), .BELOW(EXP_BELOW), .ABOVE(EXP_ABOVE), .LO(EXP_LO), .HI(EXP_HI),
                         .KNOTS(EXP_KNOTS), .VALUES(EXP_VALUES), .SLOPES(EXP_SLOPES)) exp_u (.q(e), .y(abar));
                // §10: the state update, narrowed once for storage.
                wire signed [63:0] bx = delta_c * b_k * u_c;
                wire signed [63:0] bx_aligned;
                em_round_shift bx_align_u (.v(bx), .s(BX_SHIFT), .y(bx_aligned));
                wire signed [63:0] h_old = ok && h_set[ck] ? h[ck] : 64'sd0;
                wire signed [63:0] h_acc = abar * h_old + bx_aligned;
                wire signed [63:0] h_rounded;
                wire signed [63:0] h_new;
                em_round_shift h_round_u (.v(h_acc), .s(ABAR_FRAC), .y(h_rounded));
                em_sat #(.BITS(H_BITS)) h_sat_u (.v(h_rounded), .y(h_new));
                wire signed [63:0] readout = ok ? c_k * h_new : 64'sd0;   // this PE's term of §11
                assign terms[64*PE +: 64] = readout;
                assign h_idx[32*PE +: 32] = ck;
                assign h_ok[PE] = ok;
                assign abar_data[64*PE +: 64] = abar;
                assign h_data[64*PE +: 64] = h_new;
            end
            // §11: this cycle's STATES readout terms added to the channel's sum; the D skip and the
            // narrowing on the last state group.
            reg signed [63:0] y_sum;
            integer q;
            always @* begin
                y_sum = $signed(y_acc[64*gp +: 64]);
                for (q = 0; q < STATES; q = q + 1) y_sum = y_sum + $signed(terms[64*(gp * STATES + q) +: 64]);
            end
            wire [7:0] d_code = c_ok ? d_rom[c] : 8'd0;
            wire signed [63:0] d_skip = {{56{d_code[7]}}, d_code};
            wire signed [63:0] du = d_skip * u_c;
            wire signed [63:0] d_aligned;
            em_round_shift d_align_u (.v(du), .s(D_SHIFT), .y(d_aligned));
            wire signed [63:0] y_total = y_sum + d_aligned;
            wire signed [63:0] y_rounded;
            wire signed [63:0] y_c;
            em_round_shift y_round_u (.v(y_total), .s(Y_SHIFT), .y(y_rounded));
            em_sat #(.BITS(Y_BITS)) y_sat_u (.v(y_rounded), .y(y_c));
            assign y_sums[64*gp +: 64] = y_sum;
            assign y_data[64*gp +: 64] = y_c;
            assign y_ok[gp] = c_ok;
        end
    endgenerate

    assign c_base = cg * LANES;
    assign k_base = kg * STATES;
    assign h_we = busy;
    assign y_we = busy && kg == K_GROUPS - 1;
    assign y_idx = cg * LANES;
    assign done = busy && cg == C_GROUPS - 1 && kg == K_GROUPS - 1;

    integer p;
    always @(posedge clk) begin
        if (rst || clear) begin
            busy <= 1'b0;
            cg <= 32'd0;
            kg <= 32'd0;
            y_acc <= {64*LANES{1'b0}};
            h_set <= {DIN*N{1'b0}};
        end else if (start) begin
            busy <= 1'b1;
            cg <= 32'd0;
            kg <= 32'd0;
            y_acc <= {64*LANES{1'b0}};
        end else if (busy) begin
            for (p = 0; p < LANES * STATES; p = p + 1)
                if (h_ok[p]) begin
                    h[h_idx[32*p +: 32]] <= $signed(h_data[64*p +: 64]);
                    h_set[h_idx[32*p +: 32]] <= 1'b1;
                end
            if (kg == K_GROUPS - 1) begin
                kg <= 32'd0;
                y_acc <= {64*LANES{1'b0}};
                if (cg == C_GROUPS - 1) busy <= 1'b0;
                else cg <= cg + 32'd1;
            end else begin
                kg <= kg + 32'd1;
                y_acc <= y_sums;
            end
        end
    end
endmodule
