// Selective scan unit (docs/integer.md §9-§11, Reference.Scan / IntOps.StateUpdate): an array of
// LANES channels x STATES state indices; processing element (p, q) updates channel c = cg LANES + p,
// state k = kg STATES + q in channel group cg and state group kg. EXP_UNITS PWL exp units serve the
// LANES x STATES PEs in PHASES = ceil(PEs / EXP_UNITS) cycles per group: in phase ph, unit u computes A_bar
// for PE ph EXP_UNITS + u and only the PEs of that phase write h and add their readout term
// (ceil(DIN / LANES) x ceil(N / STATES) x PHASES cycles after start; one unit per PE is one phase):
//   e    = max(-RoundShift(Delta_c a_ck, E_SHIFT), E_MIN)                 §9
//   abar = PWL exp(e)                                                      §7 (on the PE's exp unit)
//   h_ck = Sat(RoundShift(abar h_ck + Align(Delta_c B_k u_c), ABAR_FRAC), H_BITS)   §10
//   y_c  = Sat(RoundShift(sum_k C_k h_ck + Align(D_c u_c), Y_SHIFT), Y_BITS)       §11 (written in the last state group)
// The state h (DIN x N) lives here and is cleared at the start of a sequence; a (= -A) and D are ROMs.
// Widths: Delta DW bits, u UW, B BW, C CW, a AW; the exp unit's tables EXP_KW, EXP_VW, EXP_SW and its
// output (A_bar) EXP_OW; every intermediate is sized below from them so that nothing wraps.
// A unit shared by LAYERS blocks holds every layer's a, D and exp table one after another and each
// scalar constant per layer (8-bit shifts: layer l in bits 8 l + 7 .. 8 l; 64-bit E_MIN and exp
// bounds: bits 64 l + 63 .. 64 l); start latches `layer`, and clear at a layer's first token (it may
// come with start) zeroes the state.
module em_scan #(
    parameter integer LAYERS = 1,
    parameter integer DIN = 4,
    parameter integer N = 2,
    parameter integer LANES = 1,
    parameter integer STATES = 1,
    parameter integer EXP_UNITS = 1,
    parameter integer DW = 64,
    parameter integer UW = 64,
    parameter integer BW = 64,
    parameter integer CW = 64,
    parameter integer AW = 64,
    parameter [8*LAYERS-1:0] E_SHIFT = {LAYERS{8'h00}},
    parameter [64*LAYERS-1:0] E_MIN = {LAYERS{-64'sd32768}},
    parameter [8*LAYERS-1:0] BX_SHIFT = {LAYERS{8'h00}},
    parameter [8*LAYERS-1:0] ABAR_FRAC = {LAYERS{8'd15}},
    parameter integer H_BITS = 16,
    parameter [8*LAYERS-1:0] D_SHIFT = {LAYERS{8'h00}},
    parameter [8*LAYERS-1:0] Y_SHIFT = {LAYERS{8'h00}},
    parameter integer Y_BITS = 16,
    parameter A_NEG = "a.hex",
    parameter D_SKIP = "d.hex",
    parameter integer EXP_NK = 2,
    parameter integer EXP_KW = 64,
    parameter integer EXP_VW = 64,
    parameter integer EXP_SW = 64,
    parameter integer EXP_OW = 64,
    parameter [64*LAYERS-1:0] EXP_BELOW = {LAYERS{64'h0}},
    parameter [64*LAYERS-1:0] EXP_ABOVE = {LAYERS{64'h0}},
    parameter [64*LAYERS-1:0] EXP_LO = {LAYERS{64'h0}},
    parameter [64*LAYERS-1:0] EXP_HI = {LAYERS{64'h0}},
    parameter EXP_KNOTS = "knots.hex",
    parameter EXP_VALUES = "values.hex",
    parameter EXP_SLOPES = "slopes.hex"
) (
    input  wire                         clk,
    input  wire                         rst,
    input  wire                         clear,     // start of a sequence: h = 0
    input  wire                         start,
    input  wire [7:0]                   layer,
    output wire                         done,
    output wire [31:0]                  c_base,    // delta_lanes and u_lanes hold channels c_base ..
    output wire [31:0]                  k_base,    // b_lanes and c_lanes hold states k_base ..
    input  wire [DW*LANES-1:0]          delta_lanes,
    input  wire [UW*LANES-1:0]          u_lanes,
    input  wire [BW*STATES-1:0]         b_lanes,
    input  wire [CW*STATES-1:0]         c_lanes,
    output wire                         h_we,      // abar and h of every PE, for the taps
    output wire [32*LANES*STATES-1:0]   h_idx,     // c N + k per PE
    output wire [LANES*STATES-1:0]      h_ok,
    output wire [EXP_OW*LANES*STATES-1:0] abar_data,
    output wire [H_BITS*LANES*STATES-1:0] h_data,
    output wire                         y_we,
    output wire [31:0]                  y_idx,     // the first channel of this write
    output wire [LANES-1:0]             y_ok,
    output wire [Y_BITS*LANES-1:0]      y_data
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    `include "em_layers.vh"   // lo8 / hi8: the smallest and largest per-layer 8-bit constant
    function signed [63:0] lo64;   // the most negative of the per-layer 64-bit constants
        input [64*LAYERS-1:0] v;
        integer i;
        reg signed [63:0] e;
        begin
            lo64 = 64'sd0;
            for (i = 0; i < LAYERS; i = i + 1) begin
                e = v[64*i +: 64];
                if (e < lo64) lo64 = e;
            end
        end
    endfunction
    localparam integer ES_LO = lo8(E_SHIFT), ES_HI = hi8(E_SHIFT);
    localparam integer BS_LO = lo8(BX_SHIFT), BS_HI = hi8(BX_SHIFT);
    localparam integer AF_LO = lo8(ABAR_FRAC), AF_HI = hi8(ABAR_FRAC);
    localparam integer DS_LO = lo8(D_SHIFT), DS_HI = hi8(D_SHIFT);
    localparam integer YS_LO = lo8(Y_SHIFT), YS_HI = hi8(Y_SHIFT);
    localparam signed [63:0] E_MIN_LO = lo64(E_MIN);
    localparam integer C_GROUPS = (DIN + LANES - 1) / LANES;
    localparam integer K_GROUPS = (N + STATES - 1) / STATES;
    localparam integer PES = LANES * STATES;
    localparam integer PHASES = (PES + EXP_UNITS - 1) / EXP_UNITS;
    // Intermediate widths (a product adds its operands' widths; RoundShift by s > 0 leaves W - s + 1 bits, by s <= 0 W - s).
    localparam integer DA_W = DW + AW;                                          // Delta a
    localparam integer DAR_W0 = ES_LO > 0 ? DA_W - ES_LO + 1 : DA_W - ES_LO;
    localparam integer DAR_W = DAR_W0 < 2 ? 2 : DAR_W0;
    localparam integer EMIN_W = $clog2(-E_MIN_LO + 1) + 1;
    localparam integer E_W = (DAR_W + 1 > EMIN_W ? DAR_W + 1 : EMIN_W);         // e = max(-rounded, E_MIN)
    localparam integer BX_W = DW + BW + UW;                                     // Delta B u
    localparam integer BXA_W0 = BS_LO > 0 ? BX_W - BS_LO + 1 : BX_W - BS_LO;
    localparam integer BXA_W = BXA_W0 < 2 ? 2 : BXA_W0;
    localparam integer HA_W = (EXP_OW + H_BITS > BXA_W ? EXP_OW + H_BITS : BXA_W) + 1;   // A_bar h + aligned Bx
    localparam integer HR_W0 = AF_LO > 0 ? HA_W - AF_LO + 1 : HA_W - AF_LO;
    localparam integer HR_W = HR_W0 < 2 ? 2 : HR_W0;
    localparam integer RO_W = CW + H_BITS;                                      // C_k h_ck
    localparam integer YS_W = RO_W + $clog2(N + 1);                             // sum over N states
    localparam integer DU_W = 8 + UW;                                           // D u
    localparam integer DUA_W0 = DS_LO > 0 ? DU_W - DS_LO + 1 : DU_W - DS_LO;
    localparam integer DUA_W = DUA_W0 < 2 ? 2 : DUA_W0;
    localparam integer YT_W = (YS_W > DUA_W ? YS_W : DUA_W) + 1;               // readout + D skip
    localparam integer YR_W0 = YS_LO > 0 ? YT_W - YS_LO + 1 : YT_W - YS_LO;
    localparam integer YR_W = YR_W0 < 2 ? 2 : YR_W0;
    localparam signed [RO_W-1:0] RO_ZERO = 0;

    reg [AW-1:0] a_rom [0:LAYERS*DIN*N-1];
    reg [7:0]  d_rom [0:LAYERS*DIN-1];
    initial begin
        $readmemh(A_NEG, a_rom);
        $readmemh(D_SKIP, d_rom);
    end

    reg signed [H_BITS-1:0] h [0:DIN*N-1];
    reg [DIN*N-1:0] h_set;   // states written since clear; the others read as zero (a one-cycle clear)
    reg        busy;
    reg [7:0]  lay_r;                      // the layer of the current token, latched at start
    wire [7:0] lay = LAYERS > 1 ? lay_r : 8'd0;   // one layer: a constant, so the ROM addressing folds away
    reg [31:0] cg;
    reg [31:0] kg;
    reg [31:0] ph;                       // which PEs' exp inputs the exp units take this cycle
    reg [YS_W*LANES-1:0] y_acc;          // per channel lane: sum over earlier state groups of C_k h_ck
    wire [RO_W*LANES*STATES-1:0] terms;  // C_k h_ck of every PE (zero where masked off)
    wire [YS_W*LANES-1:0] y_sums;        // y_acc plus this cycle's terms, per channel lane
    wire [E_W*PES-1:0] e_all;            // every PE's exp input
    wire [EXP_OW*EXP_UNITS-1:0] abar_units;   // each exp unit's output: A_bar of PE ph EXP_UNITS + u
    // This layer's constants.
    wire signed [7:0] e_shift = E_SHIFT[8*lay +: 8];
    wire signed [7:0] bx_shift = BX_SHIFT[8*lay +: 8];
    wire signed [7:0] abar_frac = ABAR_FRAC[8*lay +: 8];
    wire signed [7:0] d_shift = D_SHIFT[8*lay +: 8];
    wire signed [7:0] y_shift = Y_SHIFT[8*lay +: 8];
    /* verilator lint_off UNUSEDSIGNAL */   // cut to the exp input's width
    wire signed [63:0] e_min64 = E_MIN[64*lay +: 64];
    /* verilator lint_on UNUSEDSIGNAL */
    wire signed [E_W-1:0] e_min = e_min64;

    genvar gu;
    generate
        for (gu = 0; gu < EXP_UNITS; gu = gu + 1) begin : ex
            wire [31:0] served = ph * EXP_UNITS + gu;
            wire signed [E_W-1:0] e_in = served < PES ? e_all[E_W*served +: E_W] : {E_W{1'b0}};
            wire signed [EXP_OW-1:0] abar_u;
            em_pwl #(.LAYERS(LAYERS), .NK(EXP_NK), .QW(E_W), .KW(EXP_KW), .VW(EXP_VW), .SW(EXP_SW), .OW(EXP_OW),
                     .BELOW(EXP_BELOW), .ABOVE(EXP_ABOVE), .LO(EXP_LO), .HI(EXP_HI),
                     .KNOTS(EXP_KNOTS), .VALUES(EXP_VALUES), .SLOPES(EXP_SLOPES)) exp_u (.layer(lay), .q(e_in), .y(abar_u));
            assign abar_units[EXP_OW*gu +: EXP_OW] = abar_u;
        end
    endgenerate

    genvar gp, gq;
    generate
        for (gp = 0; gp < LANES; gp = gp + 1) begin : ch
            wire [31:0] c = cg * LANES + gp;
            wire c_ok = c < DIN;
            wire signed [DW-1:0] delta_c = delta_lanes[DW*gp +: DW];
            wire signed [UW-1:0] u_c = u_lanes[UW*gp +: UW];
            for (gq = 0; gq < STATES; gq = gq + 1) begin : pe
                localparam integer PE = gp * STATES + gq;
                wire [31:0] k = kg * STATES + gq;
                wire ok = c_ok && k < N && ph == PE / EXP_UNITS;   // in range, and this PE's phase
                wire [31:0] ck = c * N + k;
                wire signed [BW-1:0] b_k = b_lanes[BW*gq +: BW];
                wire signed [CW-1:0] c_k = c_lanes[CW*gq +: CW];
                // §9: the exp input, saturated at the domain's lower end (the table is constant below its lowest knot).
                wire signed [AW-1:0] a = ok ? a_rom[lay * DIN * N + ck] : {AW{1'b0}};
                wire signed [DA_W-1:0] delta_a = delta_c * a;
                wire signed [DAR_W-1:0] da_rounded;
                em_round_shift #(.W(DA_W), .OW(DAR_W), .SMAX(ES_HI > 0 ? ES_HI : 0)) e_round_u (.v(delta_a), .s(e_shift), .y(da_rounded));
                wire signed [E_W-1:0] da_negated = -da_rounded;
                wire signed [E_W-1:0] e = da_negated < e_min ? e_min : da_negated;
                assign e_all[E_W*PE +: E_W] = e;
                wire signed [EXP_OW-1:0] abar = abar_units[EXP_OW*(PE % EXP_UNITS) +: EXP_OW];
                // §10: the state update, narrowed once for storage.
                wire signed [BX_W-1:0] bx = delta_c * b_k * u_c;
                wire signed [BXA_W-1:0] bx_aligned;
                em_round_shift #(.W(BX_W), .OW(BXA_W), .SMAX(BS_HI > 0 ? BS_HI : 0)) bx_align_u (.v(bx), .s(bx_shift), .y(bx_aligned));
                wire signed [H_BITS-1:0] h_old = ok && h_set[ck] ? h[ck] : {H_BITS{1'b0}};
                wire signed [HA_W-1:0] h_acc = abar * h_old + bx_aligned;
                wire signed [HR_W-1:0] h_rounded;
                wire signed [H_BITS-1:0] h_new;
                em_round_shift #(.W(HA_W), .OW(HR_W), .SMAX(AF_HI > 0 ? AF_HI : 0)) h_round_u (.v(h_acc), .s(abar_frac), .y(h_rounded));
                em_sat #(.W(HR_W), .BITS(H_BITS)) h_sat_u (.v(h_rounded), .y(h_new));
                wire signed [RO_W-1:0] readout = ok ? c_k * h_new : RO_ZERO;   // this PE's term of §11 (a signed zero keeps the product signed)
                assign terms[RO_W*PE +: RO_W] = readout;
                assign h_idx[32*PE +: 32] = ck;
                assign h_ok[PE] = ok;
                assign abar_data[EXP_OW*PE +: EXP_OW] = abar;
                assign h_data[H_BITS*PE +: H_BITS] = h_new;
            end
            // §11: this cycle's STATES readout terms added to the channel's sum; the D skip and the
            // narrowing on the last state group.
            reg signed [YS_W-1:0] y_sum;
            integer q;
            always @* begin
                y_sum = $signed(y_acc[YS_W*gp +: YS_W]);
                for (q = 0; q < STATES; q = q + 1) y_sum = y_sum + $signed(terms[RO_W*(gp * STATES + q) +: RO_W]);
            end
            wire signed [7:0] d_skip = c_ok ? d_rom[lay * DIN + c] : 8'd0;
            wire signed [DU_W-1:0] du = d_skip * u_c;
            wire signed [DUA_W-1:0] d_aligned;
            em_round_shift #(.W(DU_W), .OW(DUA_W), .SMAX(DS_HI > 0 ? DS_HI : 0)) d_align_u (.v(du), .s(d_shift), .y(d_aligned));
            wire signed [YT_W-1:0] y_total = y_sum + d_aligned;
            wire signed [YR_W-1:0] y_rounded;
            wire signed [Y_BITS-1:0] y_c;
            em_round_shift #(.W(YT_W), .OW(YR_W), .SMAX(YS_HI > 0 ? YS_HI : 0)) y_round_u (.v(y_total), .s(y_shift), .y(y_rounded));
            em_sat #(.W(YR_W), .BITS(Y_BITS)) y_sat_u (.v(y_rounded), .y(y_c));
            assign y_sums[YS_W*gp +: YS_W] = y_sum;
            assign y_data[Y_BITS*gp +: Y_BITS] = y_c;
            assign y_ok[gp] = c_ok;
        end
    endgenerate

    assign c_base = cg * LANES;
    assign k_base = kg * STATES;
    assign h_we = busy;
    assign y_we = busy && kg == K_GROUPS - 1 && ph == PHASES - 1;
    assign y_idx = cg * LANES;
    assign done = busy && cg == C_GROUPS - 1 && kg == K_GROUPS - 1 && ph == PHASES - 1;

    integer p;
    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
            lay_r <= 8'd0;
            cg <= 32'd0;
            kg <= 32'd0;
            ph <= 32'd0;
            y_acc <= {YS_W*LANES{1'b0}};
            h_set <= {DIN*N{1'b0}};
        end else if (start) begin
            busy <= 1'b1;
            lay_r <= layer;
            cg <= 32'd0;
            kg <= 32'd0;
            ph <= 32'd0;
            y_acc <= {YS_W*LANES{1'b0}};
            if (clear) h_set <= {DIN*N{1'b0}};
        end else if (clear) h_set <= {DIN*N{1'b0}};
        else if (busy) begin
            for (p = 0; p < LANES * STATES; p = p + 1)
                if (h_ok[p]) begin
                    h[h_idx[32*p +: 32]] <= $signed(h_data[H_BITS*p +: H_BITS]);
                    h_set[h_idx[32*p +: 32]] <= 1'b1;
                end
            if (ph != PHASES - 1) begin
                ph <= ph + 32'd1;
                y_acc <= y_sums;
            end else if (kg == K_GROUPS - 1) begin
                ph <= 32'd0;
                kg <= 32'd0;
                y_acc <= {YS_W*LANES{1'b0}};
                if (cg == C_GROUPS - 1) busy <= 1'b0;
                else cg <= cg + 32'd1;
            end else begin
                ph <= 32'd0;
                kg <= kg + 32'd1;
                y_acc <= y_sums;
            end
        end
    end
    /* verilator lint_on WIDTH */
endmodule
