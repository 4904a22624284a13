namespace EMamba.Hardware;

/// <summary>How the accelerator maps a model's blocks onto units (docs/hardware.md, "Shared blocks").</summary>
public enum BlockMode
{
    /// <summary>Every block has its own units and ROMs; tokens flow through all blocks at once.</summary>
    Unrolled,
    /// <summary>One set of block units holds every block's ROMs and runs the blocks in turn, layer-major
    /// (all tokens of block 0, then block 1, ...): about 1 / L of the block logic for about L x the cycles.</summary>
    Shared,
}
