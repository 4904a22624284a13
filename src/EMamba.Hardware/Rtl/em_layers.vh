// Constant functions of the units shared by LAYERS blocks (docs/hardware.md, "Shared blocks"), included
// inside each such module (Verilog-2005 has no packages): the smallest and largest of the per-layer 8-bit
// constants packed in a parameter, layer l in bits 8 l + 7 .. 8 l, so that the widths hold every layer's result.
    // (Integer arithmetic for the sign: icarus 11 evaluates $signed in a constant function as unsigned.)
    function integer lo8;
        input [8*LAYERS-1:0] v;
        integer i, e;
        begin
            lo8 = 127;
            for (i = 0; i < LAYERS; i = i + 1) begin
                e = v[8*i +: 8];
                if (e > 127) e = e - 256;
                if (e < lo8) lo8 = e;
            end
        end
    endfunction
    function integer hi8;
        input [8*LAYERS-1:0] v;
        integer i, e;
        begin
            hi8 = -128;
            for (i = 0; i < LAYERS; i = i + 1) begin
                e = v[8*i +: 8];
                if (e > 127) e = e - 256;
                if (e > hi8) hi8 = e;
            end
        end
    endfunction
