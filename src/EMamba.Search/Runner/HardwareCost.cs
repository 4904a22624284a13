using EMamba.Core.Integer;
using EMamba.Hardware;
using EMamba.Hardware.Cost;
using EMamba.Hardware.Synthesis;

namespace EMamba.Search.Runner;

/// <summary>The hardware objectives of a quantized model on an accelerator config: cycles per inference from the
/// cycle model (the token-overlapped pipeline's schedule), energy per inference from the operation-count energy
/// model at the eMamba chip's node (22 nm, 0.8 V), and, when asked, the modelled area (<see cref="ArrayModel"/>:
/// multipliers and memory bits at 22 nm, docs/cost.md). Only the area needs the RTL text (for its memory bits);
/// nothing is simulated or synthesized in the loop.</summary>
public static class HardwareCost
{
    public static (long Cycles, double EnergyNj, double? AreaMm2) Of(IntModel m, AcceleratorConfig c, bool area)
    {
        if (!area)
        {
            var energy = EnergyModel.Of(m, c, EnergyTable.Gf22);   // it runs the cycle model and keeps its total
            return (energy.Cycles, energy.Nanojoules, null);
        }
        var cost = ArrayModel.EMamba(m, c, RtlGenerator.Generate(m, c), EnergyTable.Gf22, AsicAreaTable.Node22);
        return (cost.Cycles, cost.Nanojoules, cost.AreaMm2);
    }
}
