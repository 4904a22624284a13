// Range norm unit (docs/integer.md §5, IntOps.RangeNormT + Reference.RangeNorm), one token of D codes,
// LANES codes per cycle (x_lanes holds x_base .. x_base + LANES - 1; lanes past D are ignored):
// pass 1 (ceil(D / LANES) cycles) gathers sum, max and min; then RECIP[r], r = max - min, either looked up in
// the reciprocal ROM (DIVIDER = 0: one cycle, 2^IN_BITS entries) or computed by a radix-2 restoring divider
// (DIVIDER = 1: QB cycles, no ROM) as floor((2^(17+IN_BITS) + D r) / (2 D r)), the table's round-half-up
// quotient exactly; pass 2 (ceil(D / LANES) cycles) writes LANES outputs
// a cycle: t_i = RoundShift((D x_i - sum) RECIP[r], 2 + IN_BITS) (t = 0 when r = 0) and
// y_i = Sat(RoundShift(t_i gamma_i + beta_i, 14 + f_gamma - f_out), BITS).
// 2 ceil(D / LANES) + 1 (ROM) or 2 ceil(D / LANES) + QB (divider) cycles after start.
// Widths: inputs XW bits (IN_BITS + 1 for an unsigned domain), betas BTW, reciprocals RW; every
// intermediate is sized below from them so that nothing wraps. A unit shared by LAYERS blocks holds
// every layer's gamma and beta one after another and its Y_SHIFT (layer l in bits 8 l + 7 .. 8 l);
// start latches `layer` (the reciprocal table depends on D and IN_BITS only).
module em_range_norm #(
    parameter integer LAYERS = 1,
    parameter integer D = 4,
    parameter integer LANES = 1,
    parameter integer IN_BITS = 8,
    parameter integer BITS = 8,
    parameter integer XW = 64,
    parameter integer BTW = 64,
    parameter integer RW = 64,
    parameter integer DIVIDER = 0,              // 1: compute RECIP[r] with a divider instead of the ROM
    parameter integer QB = 2,                   // quotient bits (= divider cycles): the bit length of RECIP[1]
    parameter signed [7:0] T_SHIFT = 8'sd10,    // NormRecipFrac(IN_BITS) - NormTFrac = 2 + IN_BITS
    parameter [8*LAYERS-1:0] Y_SHIFT = {LAYERS{8'd14}},   // 14 + f_gamma - f_out
    parameter GAMMA = "gamma.hex",
    parameter BETA = "beta.hex",
    parameter RECIP = "recip.hex"
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire                  start,
    input  wire [7:0]            layer,
    output wire                  done,
    output wire [31:0]           x_base,
    input  wire [XW*LANES-1:0]   x_lanes,
    output wire                  y_we,
    output wire [31:0]           y_idx,   // the first index of this write; index y_idx + l is y_data lane l
    output wire [LANES-1:0]      y_ok,
    output wire [BITS*LANES-1:0] y_data
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    `include "em_layers.vh"   // lo8 / hi8: the smallest and largest per-layer 8-bit constant
    localparam integer YS_LO = lo8(Y_SHIFT);
    localparam integer YS_HI = hi8(Y_SHIFT);
    localparam [1:0] IDLE = 2'd0, STATS = 2'd1, RECIPROCAL = 2'd2, WRITE = 2'd3;
    localparam integer GROUPS = (D + LANES - 1) / LANES;
    localparam integer SUM_W = XW + $clog2(D + 1);               // sum of D codes
    localparam integer CEN_W = SUM_W + 2;                        // D x_i - sum
    localparam integer SC_W = CEN_W + RW;                        // (D x_i - sum) RECIP[r]
    localparam integer T_W0 = T_SHIFT > 0 ? SC_W - T_SHIFT + 1 : SC_W - T_SHIFT;
    localparam integer T_W = T_W0 < 2 ? 2 : T_W0;
    localparam integer AF_W = (T_W + 8 > BTW ? T_W + 8 : BTW) + 1; // t gamma + beta
    localparam integer Y_W0 = YS_LO > 0 ? AF_W - YS_LO + 1 : AF_W - YS_LO;
    localparam integer Y_W = Y_W0 < 2 ? 2 : Y_W0;
    localparam integer D_W = $clog2(D + 1) + 1;
    localparam signed [D_W-1:0] D_C = D;

    reg [7:0]  gamma_rom [0:LAYERS*D-1];
    reg [BTW-1:0] beta_rom  [0:LAYERS*D-1];
    reg [RW-1:0]  recip_rom [0:(DIVIDER != 0 ? 0 : (1 << IN_BITS) - 1)];   // one unused word with the divider
    initial begin
        $readmemh(GAMMA, gamma_rom);
        $readmemh(BETA, beta_rom);
        if (DIVIDER == 0) $readmemh(RECIP, recip_rom);
    end

    reg [1:0]  state;
    reg [31:0] group;
    reg [7:0]  lay_r;   // the layer of the current token, latched at start
    wire [7:0] lay = LAYERS > 1 ? lay_r : 8'd0;   // one layer: a constant, so the ROM addressing folds away
    wire signed [7:0] y_shift = Y_SHIFT[8*lay +: 8];
    reg signed [SUM_W-1:0] sum;
    reg signed [XW-1:0] max_x;
    reg signed [XW-1:0] min_x;
    reg signed [RW-1:0] recip;
    reg               empty;   // max = min: t = 0, y = beta

    // Pass 1: this cycle's lanes folded into the running statistics (the first lane of group 0 starts them).
    reg signed [SUM_W-1:0] sum_next;
    reg signed [XW-1:0] max_next;
    reg signed [XW-1:0] min_next;
    reg signed [XW-1:0] v;
    integer l;
    always @* begin
        sum_next = sum;
        max_next = max_x;
        min_next = min_x;
        for (l = 0; l < LANES; l = l + 1) begin
            v = $signed(x_lanes[XW*l +: XW]);
            if (group * LANES + l < D) begin
                sum_next = sum_next + v;
                if ((group == 32'd0 && l == 0) || v > max_next) max_next = v;
                if ((group == 32'd0 && l == 0) || v < min_next) min_next = v;
            end
        end
    end

    wire signed [XW:0] range = max_x - min_x;

    // The divider: numerator 2^(17+IN_BITS) + D r over denominator 2 D r, one quotient bit a cycle, MSB first.
    // The quotient fits QB bits (it is at most RECIP[1]), so the remainder starts as the numerator's bits above
    // them (less than the denominator) and QB steps finish it.
    localparam integer NW = IN_BITS + $clog2(D + 1) + 20;
    wire [NW-1:0] r_u = range[IN_BITS-1:0];
    wire [NW-1:0] div_num = ({{(NW-1){1'b0}}, 1'b1} << (17 + IN_BITS)) + D * r_u;
    wire [NW-1:0] div_den = 2 * D * r_u;
    reg  [NW-1:0] div_rem;
    reg  [QB-2:0] div_quo;    // the quotient bits so far (the last one goes straight into recip)
    reg  [7:0]    div_step;
    wire [NW-2:0] div_cur = div_step == 8'd0 ? div_num >> QB : div_rem;   // below the denominator, so below 2^(NW-1)
    wire [NW-1:0] div_trial = {div_cur, div_num[QB - 1 - div_step]};
    wire          div_bit = div_trial >= div_den;
    wire [QB-1:0] div_quo_next = {div_quo[QB-2:0], div_bit};

    genvar gl;
    generate
        for (gl = 0; gl < LANES; gl = gl + 1) begin : lane_out
            wire [31:0] i = group * LANES + gl;
            wire in_range = i < D;
            wire signed [XW-1:0] x_i = x_lanes[XW*gl +: XW];
            wire signed [CEN_W-1:0] centred = x_i * D_C - sum;
            wire signed [SC_W-1:0] scaled = centred * recip;
            wire signed [T_W-1:0] t_rounded;
            em_round_shift #(.W(SC_W), .OW(T_W), .SMAX(T_SHIFT > 0 ? T_SHIFT : 0)) t_round_u (.v(scaled), .s(T_SHIFT), .y(t_rounded));
            wire signed [T_W-1:0] t = empty ? {T_W{1'b0}} : t_rounded;
            wire signed [7:0] gamma = in_range ? gamma_rom[lay * D + i] : 8'd0;
            wire signed [BTW-1:0] beta = in_range ? beta_rom[lay * D + i] : {BTW{1'b0}};
            wire signed [AF_W-1:0] affine = t * gamma + beta;
            wire signed [Y_W-1:0] y_rounded;
            wire signed [BITS-1:0] y_i;
            em_round_shift #(.W(AF_W), .OW(Y_W), .SMAX(YS_HI > 0 ? YS_HI : 0)) y_round_u (.v(affine), .s(y_shift), .y(y_rounded));
            em_sat #(.W(Y_W), .BITS(BITS)) y_sat_u (.v(y_rounded), .y(y_i));
            assign y_data[BITS*gl +: BITS] = y_i;
            assign y_ok[gl] = in_range;
        end
    endgenerate

    assign x_base = group * LANES;
    assign y_we = state == WRITE;
    assign y_idx = group * LANES;
    assign done = state == WRITE && group == GROUPS - 1;

    always @(posedge clk) begin
        if (rst) begin
            state <= IDLE;
            group <= 32'd0;
            lay_r <= 8'd0;
            sum <= {SUM_W{1'b0}};
            max_x <= {XW{1'b0}};
            min_x <= {XW{1'b0}};
            recip <= {RW{1'b0}};
            empty <= 1'b0;
            div_rem <= {NW{1'b0}};
            div_quo <= {(QB-1){1'b0}};
            div_step <= 8'd0;
        end else case (state)
            IDLE: if (start) begin
                state <= STATS;
                group <= 32'd0;
                lay_r <= layer;
                sum <= {SUM_W{1'b0}};
            end
            STATS: begin
                sum <= sum_next;
                max_x <= max_next;
                min_x <= min_next;
                if (group == GROUPS - 1) begin
                    state <= RECIPROCAL;
                    group <= 32'd0;
                end else group <= group + 32'd1;
            end
            RECIPROCAL: begin
                empty <= range == {(XW+1){1'b0}};
                if (DIVIDER == 0) begin
                    recip <= $signed(recip_rom[range[IN_BITS-1:0]]);
                    state <= WRITE;
                end else begin
                    div_rem <= div_bit ? div_trial - div_den : div_trial;
                    div_quo <= div_quo_next[QB-2:0];
                    if (div_step == QB - 1) begin
                        recip <= $signed({{(RW > QB ? RW - QB : 1){1'b0}}, div_quo_next});
                        div_step <= 8'd0;
                        state <= WRITE;
                    end else div_step <= div_step + 8'd1;
                end
            end
            WRITE: begin
                if (group == GROUPS - 1) state <= IDLE;
                else group <= group + 32'd1;
            end
        endcase
    end
    /* verilator lint_on WIDTH */
endmodule
