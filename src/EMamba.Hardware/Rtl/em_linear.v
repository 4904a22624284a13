// Linear layer unit (docs/integer.md §4, Reference.Linear / IntOps.Dot + IntOps.Requant):
// acc_j = bias_(token, j) + sum_i x_i w_ji, out_j = Sat(RoundShift(acc_j mult_j, shift_j), BITS).
// LANES multiply-accumulates per cycle: a row takes ceil(IN / LANES) MAC cycles and one write
// cycle, so the layer takes OUT x (ceil(IN / LANES) + 1) cycles after start. The x operand is read
// through a port (x_base .. x_base + LANES - 1, lanes past IN read as zero) so that the top owns
// the activation memories. Weights (int8, row-major), biases (TOKENS x OUT: the patch embedding
// folds its position table into a per-token bias), multipliers and shifts are ROMs.
module em_linear #(
    parameter integer IN = 4,
    parameter integer OUT = 4,
    parameter integer LANES = 1,
    parameter integer TOKENS = 1,
    parameter integer BITS = 8,
    parameter integer UNSIGNED = 0,
    parameter WEIGHTS = "weight.hex",
    parameter BIASES = "bias.hex",
    parameter MULTS = "mult.hex",
    parameter SHIFTS = "shift.hex"
) (
    input  wire                     clk,
    input  wire                     rst,
    input  wire                     start,
    input  wire [31:0]              token,
    output wire                     done,
    output wire [31:0]              x_base,
    input  wire [64*LANES-1:0]      x_lanes,
    output wire                     y_we,
    output wire [31:0]              y_idx,
    output wire signed [63:0]       y_data
);
    localparam integer GROUPS = (IN + LANES - 1) / LANES;

    reg [7:0]  weight_rom [0:OUT*IN-1];
    reg [63:0] bias_rom   [0:TOKENS*OUT-1];
    reg [63:0] mult_rom   [0:OUT-1];
    reg [7:0]  shift_rom  [0:OUT-1];
    initial begin
        $readmemh(WEIGHTS, weight_rom);
        $readmemh(BIASES, bias_rom);
        $readmemh(MULTS, mult_rom);
        $readmemh(SHIFTS, shift_rom);
    end

    reg        busy;
    reg        writing;     // the row's write cycle follows its last MAC cycle
    reg [31:0] row;
    reg [31:0] group;
    reg [31:0] bias_token;
    reg signed [63:0] acc;

    // The LANES products of this cycle, summed (lanes past IN contribute nothing).
    reg signed [63:0] lane_sum;
    reg [31:0] col;
    integer lane;
    always @* begin
        lane_sum = 64'sd0;
        for (lane = 0; lane < LANES; lane = lane + 1) begin
            col = group * LANES + lane;
            if (col < IN)
                lane_sum = lane_sum + $signed(x_lanes[64*lane +: 64]) * $signed({{56{weight_rom[row*IN + col][7]}}, weight_rom[row*IN + col]});
        end
    end

    // The row's scale, read into named wires (port connections carry no memory reads).
    wire signed [63:0] row_mult = mult_rom[row];
    wire signed [7:0]  row_shift = shift_rom[row];
    em_requant #(.BITS(BITS), .UNSIGNED(UNSIGNED)) requant_u (.acc(acc), .mult(row_mult), .shift(row_shift), .y(y_data));

    assign x_base = group * LANES;
    assign y_we = busy && writing;
    assign y_idx = row;
    assign done = busy && writing && row == OUT - 1;

    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
            writing <= 1'b0;
            row <= 32'd0;
            group <= 32'd0;
            bias_token <= 32'd0;
            acc <= 64'sd0;
        end else if (start) begin
            busy <= 1'b1;
            writing <= 1'b0;
            row <= 32'd0;
            group <= 32'd0;
            bias_token <= token;
            acc <= $signed(bias_rom[token * OUT]);
        end else if (busy) begin
            if (writing) begin
                writing <= 1'b0;
                if (row == OUT - 1) busy <= 1'b0;
                else begin
                    row <= row + 32'd1;
                    acc <= $signed(bias_rom[bias_token * OUT + row + 32'd1]);
                end
            end else begin
                acc <= acc + lane_sum;
                if (group == GROUPS - 1) begin
                    group <= 32'd0;
                    writing <= 1'b1;
                end else group <= group + 32'd1;
            end
        end
    end
endmodule
