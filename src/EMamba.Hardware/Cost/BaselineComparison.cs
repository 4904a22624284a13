using System.Globalization;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Cost;

/// <summary>One ratio the paper reports, baseline / eMamba (a range where it gives one).</summary>
public sealed record PaperRatio(string Figure, double Low, double High);

/// <summary>eMamba beside its task's CNN and ViT baselines on an iso-multiplier MAC array (docs/cost.md, "Baselines"):
/// the rows <c>hw cost --baselines</c> prints and <c>hw report</c> tabulates and plots, eMamba first.</summary>
public static class BaselineComparison
{
    /// <summary>The baseline presets of every task, as <c>{task}-{name}</c> in <see cref="Presets.All"/>.</summary>
    public static readonly IReadOnlyList<string> Names = ["cnn-s", "cnn-m", "vit-s", "vit-m"];

    /// <summary>The paper's hardware ratios (docs METHOD.md): latency, throughput, ASIC area, power, energy.</summary>
    public static readonly IReadOnlyList<PaperRatio> Paper =
    [
        new("latency", 4.95, 5.62), new("throughput", 2.22, 9.95), new("area", 4.77, 4.77), new("power", 9.84, 9.84), new("energy", 48.6, 48.6),
    ];

    /// <summary>The paper's ratios in words: "4.95-5.62x latency, ..., 48.6x energy".</summary>
    public static string PaperText() => string.Join(", ", Paper.Select(p => string.Create(CultureInfo.InvariantCulture,
        $"{(p.Low == p.High ? $"{p.Low}" : $"{p.Low}-{p.High}")}x {p.Figure}")));

    /// <summary>The eMamba design (<paramref name="d"/>, generated from <paramref name="m"/> on <paramref name="c"/>)
    /// and then each baseline on an array with as many multipliers, rows = the config's linear rows.</summary>
    public static IReadOnlyList<ArrayCost> Of(IntModel m, AcceleratorConfig c, Design d, EnergyTable e, AsicAreaTable area)
    {
        var us = ArrayModel.EMamba(m, c, d, e, area);
        string task = m.Config.Task.ToString().ToLowerInvariant();
        var rows = new List<ArrayCost> { us };
        foreach (var b in Names)
            rows.Add(ArrayModel.Of(Workload.Of($"{task}-{b}", Presets.All[$"{task}-{b}"].Model),
                Math.Max(1, us.Multipliers / c.LinearRows), c.LinearRows, c.VectorLanes, c.ClockMhz, e, area));
        return rows;
    }
}
