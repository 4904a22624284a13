// Range norm unit (docs/integer.md §5, IntOps.RangeNormT + Reference.RangeNorm), one token of D codes,
// LANES codes per cycle (x_lanes holds x_base .. x_base + LANES - 1; lanes past D are ignored):
// pass 1 (ceil(D / LANES) cycles) gathers sum, max and min; one cycle looks up RECIP[max - min] in the
// reciprocal ROM (2^IN_BITS entries, no divider); pass 2 (ceil(D / LANES) cycles) writes LANES outputs
// a cycle: t_i = RoundShift((D x_i - sum) RECIP[r], 2 + IN_BITS) (t = 0 when r = 0) and
// y_i = Sat(RoundShift(t_i gamma_i + beta_i, 14 + f_gamma - f_out), BITS). 2 ceil(D / LANES) + 1 cycles after start.
module em_range_norm #(
    parameter integer D = 4,
    parameter integer LANES = 1,
    parameter integer IN_BITS = 8,
    parameter integer BITS = 8,
    parameter signed [7:0] T_SHIFT = 8'sd10,    // NormRecipFrac(IN_BITS) - NormTFrac = 2 + IN_BITS
    parameter signed [7:0] Y_SHIFT = 8'sd14,    // 14 + f_gamma - f_out
    parameter GAMMA = "gamma.hex",
    parameter BETA = "beta.hex",
    parameter RECIP = "recip.hex"
) (
    input  wire                  clk,
    input  wire                  rst,
    input  wire                  start,
    output wire                  done,
    output wire [31:0]           x_base,
    input  wire [64*LANES-1:0]   x_lanes,
    output wire                  y_we,
    output wire [31:0]           y_idx,   // the first index of this write; index y_idx + l is y_data lane l
    output wire [LANES-1:0]      y_ok,
    output wire [64*LANES-1:0]   y_data
);
    localparam [1:0] IDLE = 2'd0, STATS = 2'd1, LOOKUP = 2'd2, WRITE = 2'd3;
    localparam integer GROUPS = (D + LANES - 1) / LANES;

    reg [7:0]  gamma_rom [0:D-1];
    reg [63:0] beta_rom  [0:D-1];
    reg [63:0] recip_rom [0:(1 << IN_BITS) - 1];
    initial begin
        $readmemh(GAMMA, gamma_rom);
        $readmemh(BETA, beta_rom);
        $readmemh(RECIP, recip_rom);
    end

    reg [1:0]  state;
    reg [31:0] group;
    reg signed [63:0] sum;
    reg signed [63:0] max_x;
    reg signed [63:0] min_x;
    reg signed [63:0] recip;
    reg               empty;   // max = min: t = 0, y = beta

    // Pass 1: this cycle's lanes folded into the running statistics (the first lane of group 0 starts them).
    reg signed [63:0] sum_next;
    reg signed [63:0] max_next;
    reg signed [63:0] min_next;
    reg signed [63:0] v;
    integer l;
    always @* begin
        sum_next = sum;
        max_next = max_x;
        min_next = min_x;
        for (l = 0; l < LANES; l = l + 1) begin
            v = $signed(x_lanes[64*l +: 64]);
            if (group * LANES + l < D) begin
                sum_next = sum_next + v;
                if ((group == 32'd0 && l == 0) || v > max_next) max_next = v;
                if ((group == 32'd0 && l == 0) || v < min_next) min_next = v;
            end
        end
    end

    wire signed [63:0] range = max_x - min_x;

    genvar gl;
    generate
        for (gl = 0; gl < LANES; gl = gl + 1) begin : lane_out
            wire [31:0] i = group * LANES + gl;
            wire in_range = i < D;
            wire signed [63:0] x_i = x_lanes[64*gl +: 64];
            wire signed [63:0] centred = x_i * D - sum;
            wire signed [63:0] scaled = centred * recip;
            wire signed [63:0] t_rounded;
            em_round_shift t_round_u (.v(scaled), .s(T_SHIFT), .y(t_rounded));
            wire signed [63:0] t = empty ? 64'sd0 : t_rounded;
            wire [7:0] gamma_code = in_range ? gamma_rom[i] : 8'd0;
            wire signed [63:0] gamma = {{56{gamma_code[7]}}, gamma_code};
            wire signed [63:0] beta = in_range ? beta_rom[i] : 64'sd0;
            wire signed [63:0] affine = t * gamma + beta;
            wire signed [63:0] y_rounded;
            wire signed [63:0] y_i;
            em_round_shift y_round_u (.v(affine), .s(Y_SHIFT), .y(y_rounded));
            em_sat #(.BITS(BITS)) y_sat_u (.v(y_rounded), .y(y_i));
            assign y_data[64*gl +: 64] = y_i;
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
            sum <= 64'sd0;
            max_x <= 64'sd0;
            min_x <= 64'sd0;
            recip <= 64'sd0;
            empty <= 1'b0;
        end else case (state)
            IDLE: if (start) begin
                state <= STATS;
                group <= 32'd0;
                sum <= 64'sd0;
            end
            STATS: begin
                sum <= sum_next;
                max_x <= max_next;
                min_x <= min_next;
                if (group == GROUPS - 1) begin
                    state <= LOOKUP;
                    group <= 32'd0;
                end else group <= group + 32'd1;
            end
            LOOKUP: begin
                empty <= range == 64'sd0;
                recip <= $signed(recip_rom[range[IN_BITS-1:0]]);
                state <= WRITE;
            end
            WRITE: begin
                if (group == GROUPS - 1) state <= IDLE;
                else group <= group + 32'd1;
            end
        endcase
    end
endmodule
