using System.Globalization;
using System.Text;
using EMamba.Core;

namespace EMamba.Reports;

/// <summary>The Markdown report of one run folder: what was trained, how long it took, how well it scores.</summary>
public static class RunReport
{
    public static string Build(TrainLog log, string command, string runDir)
    {
        var c = log.Config;
        var m = c.Model;
        var sb = new StringBuilder();
        sb.AppendLine($"# eMamba.NET run: {m.Task.Name()}");
        sb.AppendLine();
        sb.Append(MachineInfo.ProvenanceLines(command));
        sb.AppendLine($"- model: {Describe(m)}");
        sb.AppendLine($"- parameters: {log.Parameters:N0} ({log.Parameters * 4 / 1000.0:F1} KB FP32)");
        sb.AppendLine($"- data: {log.TrainSamples:N0} training / {log.ValSamples:N0} validation samples" +
                      (log.Protocol is null ? "" : $"; {log.Protocol}") + (c.Train.Augment ? "; training images augmented (random crop, flip)" : ""));
        sb.AppendLine();
        sb.AppendLine("| result | value |");
        sb.AppendLine("|---|---|");
        sb.AppendLine($"| selected epoch (best validation {log.MetricName}) | {log.BestEpoch} ({log.BestValMetric:F2}) |");
        foreach (var (k, v) in log.Test.Where(kv => kv.Key != "samples"))
            sb.AppendLine(k == log.MetricName
                ? $"| **test {k}** ({log.Test.GetValueOrDefault("samples"):N0} samples) | **{Figures.Format(k, v)}** |"
                : $"| test {k} | {Figures.Format(k, v)} |");
        sb.AppendLine($"| training wall time | {log.TotalTrainSeconds:F0} s ({log.Epochs.Count} epochs) |");
        double sps = log.Epochs.Count > 0 ? log.Epochs.Average(e => e.SamplesPerSecond) : 0;
        sb.AppendLine($"| training throughput | {sps:F0} samples/s |");
        sb.AppendLine();
        sb.AppendLine("![training curve](curve.png)");
        sb.AppendLine();
        string mh = log.MetricName == "accuracy" ? "acc %" : log.MetricName;
        sb.AppendLine($"| epoch | lr | train loss | train {mh} | val loss | val {mh} | seconds | samples/s |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var e in log.Epochs)
            sb.AppendLine(string.Create(CultureInfo.InvariantCulture,
                $"| {e.Epoch} | {e.Lr:E2} | {e.TrainLoss:F4} | {e.TrainMetric:F2} | {e.ValLoss:F4} | {e.ValMetric:F2} | {e.EpochSeconds:F0} | {e.SamplesPerSecond:F0} |"));
        sb.AppendLine();
        sb.AppendLine($"Files: `{RunFolder.BestFile}` (selected model), `{RunFolder.LastFile}` (resumable), `{RunFolder.LogFile}` (every figure above), `{RunFolder.CurveFile}`.");
        return sb.ToString();
    }

    /// <summary>One line naming the architecture and its sizes.</summary>
    public static string Describe(ModelConfig m) => m.Arch switch
    {
        Arch.Mamba => $"Mamba D={m.DModel}, E={m.Expand}, N={m.DState}, M={m.NLayers}, " +
                   (m.Head == Head.Lm ? $"vocab {m.Vocab:N0}, embedding width {m.EmbedWidth}, " : $"P={m.Patch}, ") + $"dt_rank={m.DtRankValue}, " +
                   $"norm={m.Norm.Name()}, delta={m.DeltaAct.Name()}, silu={m.Silu.Name()}, exp={m.Exp.Name()}, conv_silu={m.ConvSilu}",
        Arch.Cnn => $"CNN: {m.NLayers} stages of 2 conv3x3-BN-ReLU, {m.DModel} channels first, doubling",
        _ => $"{(m.Arch == Arch.Vit ? "ViT" : "Transformer")}: {m.NLayers} pre-norm blocks, D={m.DModel}, {m.Heads} heads, MLP x{m.MlpRatio}" +
             (m.Arch == Arch.Vit ? $", P={m.Patch}" : $", vocab {m.Vocab:N0}"),
    };

    public static void Write(string runDir, TrainLog log, string command) =>
        AtomicFile.WriteAllText(new RunFolder(runDir).Report, Build(log, command, runDir));
}
