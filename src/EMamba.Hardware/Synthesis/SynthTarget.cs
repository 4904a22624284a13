namespace EMamba.Hardware.Synthesis;

/// <summary>What yosys maps a design to (docs/synthesis.md has the scripts).</summary>
public enum SynthTarget
{
    /// <summary>AMD UltraScale+ (<c>synth_xilinx -family xcup</c>), counted against the ZCU102's XCZU9EG.</summary>
    Xcup,
    /// <summary>Lattice iCE40 (<c>synth_ice40</c>), then placed and routed by nextpnr-ice40 for a measured Fmax.</summary>
    Ice40,
    /// <summary>Simple gates (<c>synth</c> + <c>abc -g</c>) with memories kept as memories: the ASIC area estimate's input.</summary>
    Generic,
}

/// <summary>The iCE40 parts nextpnr places on: the HX8K (7,680 cells, 32 RAM4K, no DSP) and the UP5K
/// (5,280 cells, 30 RAM4K, 8 MAC16, 4 SPRAM).</summary>
public enum Ice40Device { Hx8k, Up5k }
