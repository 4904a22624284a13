using EMamba.Core.Integer;
using EMamba.Hardware;
using EMamba.Hardware.Cost;

namespace EMamba.Search.Runner;

/// <summary>The hardware objectives of a quantized model on an accelerator config: cycles per inference from the
/// cycle model (the token-overlapped pipeline's schedule) and energy per inference from the operation-count
/// energy model at the eMamba chip's node (22 nm, 0.8 V). No RTL is generated in the loop.</summary>
public static class HardwareCost
{
    public static (long Cycles, double EnergyNj) Of(IntModel m, AcceleratorConfig c) =>
        (CycleModel.Of(m, c).Total, EnergyModel.Of(m, c, EnergyTable.Gf22).Nanojoules);
}
