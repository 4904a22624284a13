// Range norm unit (docs/integer.md §5, IntOps.RangeNormT + Reference.RangeNorm), one token of D codes:
// pass 1 (D cycles) reads x for sum, max and min; one cycle looks up RECIP[max - min] in the
// reciprocal ROM (2^IN_BITS entries, no divider); pass 2 (D cycles) writes
// t_i = RoundShift((D x_i - sum) RECIP[r], 2 + IN_BITS) (t = 0 when r = 0) and
// y_i = Sat(RoundShift(t_i gamma_i + beta_i, 14 + f_gamma - f_out), BITS). 2 D + 1 cycles after start.
module em_range_norm #(
    parameter integer D = 4,
    parameter integer IN_BITS = 8,
    parameter integer BITS = 8,
    parameter signed [7:0] T_SHIFT = 8'sd10,    // NormRecipFrac(IN_BITS) - NormTFrac = 2 + IN_BITS
    parameter signed [7:0] Y_SHIFT = 8'sd14,    // 14 + f_gamma - f_out
    parameter GAMMA = "gamma.hex",
    parameter BETA = "beta.hex",
    parameter RECIP = "recip.hex"
) (
    input  wire               clk,
    input  wire               rst,
    input  wire               start,
    output wire               done,
    output wire [31:0]        x_idx,
    input  wire signed [63:0] x_data,
    output wire               y_we,
    output wire [31:0]        y_idx,
    output wire signed [63:0] y_data
);
    localparam [1:0] IDLE = 2'd0, STATS = 2'd1, LOOKUP = 2'd2, WRITE = 2'd3;

    reg [7:0]  gamma_rom [0:D-1];
    reg [63:0] beta_rom  [0:D-1];
    reg [63:0] recip_rom [0:(1 << IN_BITS) - 1];
    initial begin
        $readmemh(GAMMA, gamma_rom);
        $readmemh(BETA, beta_rom);
        $readmemh(RECIP, recip_rom);
    end

    reg [1:0]  state;
    reg [31:0] i;
    reg signed [63:0] sum;
    reg signed [63:0] max_x;
    reg signed [63:0] min_x;
    reg signed [63:0] recip;
    reg               empty;   // max = min: t = 0, y = beta

    wire signed [63:0] range = max_x - min_x;
    wire signed [63:0] centred = x_data * D - sum;
    wire signed [63:0] scaled = centred * recip;
    wire signed [63:0] t_rounded;
    em_round_shift t_round_u (.v(scaled), .s(T_SHIFT), .y(t_rounded));
    wire signed [63:0] t = empty ? 64'sd0 : t_rounded;
    wire [7:0] gamma_code = gamma_rom[i];
    wire signed [63:0] gamma = {{56{gamma_code[7]}}, gamma_code};
    wire signed [63:0] beta = beta_rom[i];
    wire signed [63:0] affine = t * gamma + beta;
    wire signed [63:0] y_rounded;
    em_round_shift y_round_u (.v(affine), .s(Y_SHIFT), .y(y_rounded));
    em_sat #(.BITS(BITS)) y_sat_u (.v(y_rounded), .y(y_data));

    assign x_idx = i;
    assign y_we = state == WRITE;
    assign y_idx = i;
    assign done = state == WRITE && i == D - 1;

    always @(posedge clk) begin
        if (rst) begin
            state <= IDLE;
            i <= 32'd0;
            sum <= 64'sd0;
            max_x <= 64'sd0;
            min_x <= 64'sd0;
            recip <= 64'sd0;
            empty <= 1'b0;
        end else case (state)
            IDLE: if (start) begin
                state <= STATS;
                i <= 32'd0;
                sum <= 64'sd0;
            end
            STATS: begin
                sum <= sum + x_data;
                max_x <= (i == 32'd0 || x_data > max_x) ? x_data : max_x;
                min_x <= (i == 32'd0 || x_data < min_x) ? x_data : min_x;
                if (i == D - 1) begin
                    state <= LOOKUP;
                    i <= 32'd0;
                end else i <= i + 32'd1;
            end
            LOOKUP: begin
                empty <= range == 64'sd0;
                recip <= $signed(recip_rom[range[IN_BITS-1:0]]);
                state <= WRITE;
            end
            WRITE: begin
                if (i == D - 1) state <= IDLE;
                else i <= i + 32'd1;
            end
        endcase
    end
endmodule
