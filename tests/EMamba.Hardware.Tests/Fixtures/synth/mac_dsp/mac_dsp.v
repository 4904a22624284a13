// The same MAC with its accumulator inside an instantiated DSP48E2, as Vivado infers it: OPMODE W = 0,
// Z = P, Y:X = M (P <= P + A*B), the P register enabled by en (CEP) and cleared by rst (RSTP).
module mac_dsp #(
    parameter integer W = 32
) (
    input  wire                clk,
    input  wire                rst,
    input  wire                en,
    input  wire signed [7:0]   a,
    input  wire signed [7:0]   b,
    output wire signed [W-1:0] acc
);
    wire [47:0] p;
    DSP48E2 #(
        .AREG(0), .BREG(0), .CREG(0), .MREG(0), .PREG(1), .ADREG(0), .DREG(0), .INMODEREG(0), .OPMODEREG(0),
        .ALUMODEREG(0), .CARRYINREG(0), .CARRYINSELREG(0), .ACASCREG(0), .BCASCREG(0), .USE_MULT("MULTIPLY")
    ) dsp (
        .CLK(clk), .A({{22{a[7]}}, a}), .B({{10{b[7]}}, b}), .C(48'd0), .D(27'd0), .CARRYIN(1'b0),
        .OPMODE(9'b00_010_01_01), .ALUMODE(4'b0000), .INMODE(5'b00000), .CARRYINSEL(3'b000),
        .CEP(en), .RSTP(rst),
        .CEA1(1'b0), .CEA2(1'b0), .CEB1(1'b0), .CEB2(1'b0), .CEC(1'b0), .CED(1'b0), .CEM(1'b0), .CEAD(1'b0),
        .CEALUMODE(1'b0), .CECARRYIN(1'b0), .CECTRL(1'b0), .CEINMODE(1'b0),
        .RSTA(1'b0), .RSTB(1'b0), .RSTC(1'b0), .RSTD(1'b0), .RSTM(1'b0), .RSTALLCARRYIN(1'b0), .RSTALUMODE(1'b0),
        .RSTCTRL(1'b0), .RSTINMODE(1'b0),
        .ACIN(30'd0), .BCIN(18'd0), .PCIN(48'd0), .CARRYCASCIN(1'b0), .MULTSIGNIN(1'b0), .P(p)
    );
    assign acc = p[W-1:0];
endmodule
