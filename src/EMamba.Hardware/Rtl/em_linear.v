// Linear layer unit (docs/integer.md §4, Reference.Linear / IntOps.Dot + IntOps.Requant):
// acc_j = bias_(token, j) + sum_i x_i w_ji, out_j = Sat(RoundShift(acc_j mult_j, shift_j), BITS).
// A LANES x ROWS multiply-accumulate array: each cycle reads LANES input codes (x_base .. x_base +
// LANES - 1, lanes past IN read as zero) and adds their products into ROWS row accumulators. A row
// group takes ceil(IN / LANES) cycles and writes its ROWS results in its last cycle (rows past OUT
// are masked off), so the layer takes ceil(OUT / ROWS) x ceil(IN / LANES) cycles after start. The top
// owns the activation memories. Weights (int8, row-major), biases (TOKENS x OUT: the patch embedding
// folds its position table into a per-token bias), multipliers and shifts are ROMs; a layer with one
// scale (UNIFORM) takes MULT_C and SHIFT_C as constants instead.
// Widths: inputs XW bits, biases BW, accumulators AW (the generator's bound on |bias| + sum |w x|),
// multipliers MW, shifts in [SMIN, SMAX]; outputs BITS + UNSIGNED bits.
// A unit shared by LAYERS blocks holds every layer's ROMs one after another (layer-major) and its
// MULT_C and SHIFT_C (layer l in bits 64 l + 63 .. 64 l and 8 l + 7 .. 8 l); start latches `layer`.
module em_linear #(
    parameter integer LAYERS = 1,
    parameter integer IN = 4,
    parameter integer OUT = 4,
    parameter integer LANES = 1,
    parameter integer ROWS = 1,
    parameter integer TOKENS = 1,
    parameter integer BITS = 8,
    parameter integer UNSIGNED = 0,
    parameter integer XW = 64,
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
    input  wire                           clk,
    input  wire                           rst,
    input  wire                           start,
    input  wire [31:0]                    token,
    input  wire [7:0]                     layer,
    output wire                           done,
    output wire [31:0]                    x_base,
    input  wire [XW*LANES-1:0]            x_lanes,
    output wire                           y_we,
    output wire [31:0]                    y_row,    // the first row of this write; row y_row + r is y_data lane r
    output wire [ROWS-1:0]                y_ok,     // lanes holding a row < OUT
    output wire [(BITS+UNSIGNED)*ROWS-1:0] y_data
);
    // Operands are signed and extend to the width of the expression they sit in (IEEE 1364-2005 §5.5);
    // each target below is sized so that nothing wraps, so verilator's WIDTH notes on it are expected.
    /* verilator lint_off WIDTH */
    localparam integer GROUPS = (IN + LANES - 1) / LANES;
    localparam integer ROW_GROUPS = (OUT + ROWS - 1) / ROWS;
    localparam integer OW = BITS + UNSIGNED;
    localparam signed [AW-1:0] ACC_ZERO = 0;

    reg [7:0]    weight_rom [0:LAYERS*OUT*IN-1];
    reg [BW-1:0] bias_rom   [0:LAYERS*TOKENS*OUT-1];
    reg [MW-1:0] mult_rom   [0:LAYERS*OUT-1];
    reg [7:0]    shift_rom  [0:LAYERS*OUT-1];
    initial begin
        $readmemh(WEIGHTS, weight_rom);
        $readmemh(BIASES, bias_rom);
        $readmemh(MULTS, mult_rom);
        $readmemh(SHIFTS, shift_rom);
    end

    reg        busy;
    reg [31:0] row_group;
    reg [31:0] group;
    reg [31:0] bias_token;
    reg [7:0]  lay_r;          // the layer of the current run, latched at start
    wire [7:0] lay = LAYERS > 1 ? lay_r : 8'd0;   // one layer: a constant, so the ROM addressing folds away
    reg [AW*ROWS-1:0] acc;   // ROWS accumulators

    // The bias of layer ly, row group g, lane r (zero past OUT): the accumulators' value at a row group's start.
    function signed [AW-1:0] bias_of;
        input [7:0] ly;
        input [31:0] tok;
        input [31:0] g;
        input integer r;
        bias_of = g * ROWS + r < OUT ? $signed(bias_rom[(ly * TOKENS + tok) * OUT + g * ROWS + r]) : ACC_ZERO;
    endfunction

    // Each row's sum after this cycle's LANES products (lanes past IN and rows past OUT add nothing).
    reg [AW*ROWS-1:0] sum;
    reg signed [AW-1:0] row_sum;
    reg [31:0] col;
    reg [31:0] row;
    integer lane, r, rr;
    always @* begin
        for (r = 0; r < ROWS; r = r + 1) begin
            row = row_group * ROWS + r;
            row_sum = $signed(acc[AW*r +: AW]);
            for (lane = 0; lane < LANES; lane = lane + 1) begin
                col = group * LANES + lane;
                if (col < IN && row < OUT)
                    row_sum = row_sum + $signed(x_lanes[XW*lane +: XW]) * $signed(weight_rom[(lay*OUT + row)*IN + col]);
            end
            sum[AW*r +: AW] = row_sum;
        end
    end

    genvar gr;
    generate
        for (gr = 0; gr < ROWS; gr = gr + 1) begin : lane_out
            // The row's scale, read into named wires (port connections carry no memory reads).
            wire [31:0] out_row = row_group * ROWS + gr;
            wire in_range = out_row < OUT;
            wire signed [MW-1:0] rom_mult = mult_rom[lay*OUT + out_row];
            wire signed [7:0]    rom_shift = shift_rom[lay*OUT + out_row];
            wire signed [MW-1:0] row_mult = UNIFORM != 0 ? MULT_C[64*lay +: MW] : in_range ? rom_mult : {MW{1'b0}};
            wire signed [7:0]    row_shift = UNIFORM != 0 ? SHIFT_C[8*lay +: 8] : in_range ? rom_shift : 8'sd0;
            wire signed [AW-1:0] row_acc = sum[AW*gr +: AW];
            wire signed [OW-1:0] row_y;
            em_requant #(.AW(AW), .MW(MW), .SMIN(SMIN), .SMAX(SMAX), .BITS(BITS), .UNSIGNED(UNSIGNED)) requant_u (
                .acc(row_acc), .mult(row_mult), .shift(row_shift), .y(row_y));
            assign y_data[OW*gr +: OW] = row_y;
            assign y_ok[gr] = in_range;
        end
    endgenerate

    assign x_base = group * LANES;
    assign y_we = busy && group == GROUPS - 1;
    assign y_row = row_group * ROWS;
    assign done = y_we && row_group == ROW_GROUPS - 1;

    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
            row_group <= 32'd0;
            group <= 32'd0;
            bias_token <= 32'd0;
            lay_r <= 8'd0;
            acc <= {AW*ROWS{1'b0}};
        end else if (start) begin
            busy <= 1'b1;
            row_group <= 32'd0;
            group <= 32'd0;
            bias_token <= token;
            lay_r <= layer;
            for (rr = 0; rr < ROWS; rr = rr + 1) acc[AW*rr +: AW] <= bias_of(layer, token, 32'd0, rr);
        end else if (busy) begin
            if (group == GROUPS - 1) begin
                group <= 32'd0;
                if (row_group == ROW_GROUPS - 1) busy <= 1'b0;
                else begin
                    row_group <= row_group + 32'd1;
                    for (rr = 0; rr < ROWS; rr = rr + 1) acc[AW*rr +: AW] <= bias_of(lay, bias_token, row_group + 32'd1, rr);
                end
            end else begin
                group <= group + 32'd1;
                acc <= sum;
            end
        end
    end
    /* verilator lint_on WIDTH */
endmodule
