using System.Text.Json.Serialization;

namespace EMamba.Core;

/// <summary>Optimisation settings of one run; command-line flags override them.</summary>
public sealed record TrainConfig
{
    public int Epochs { get; init; } = 10;
    public int BatchSize { get; init; } = 128;
    public double Lr { get; init; } = 3e-3;
    public double MinLrRatio { get; init; } = 0.02;
    public double WeightDecay { get; init; } = 0.05;
    /// <summary>Linear warm-up length in optimiser steps. A run uses min(warmup_steps, 10 % of its total
    /// optimiser steps), so short runs still reach the peak rate; the value used is in log.json (warmup_steps).</summary>
    public int WarmupSteps { get; init; } = 200;
    public double GradClip { get; init; } = 1.0;
    public int Seed { get; init; } = 1;
    /// <summary>Fraction of the training split held out for model selection when the data set has no validation split.</summary>
    public double ValFraction { get; init; } = 0.1;

    /// <summary>Language models: tokens per truncated-BPTT segment (the state carries across segments).</summary>
    public int SeqLen { get; init; } = 128;
    /// <summary>Image augmentation while training: random crop from a 4-pixel zero-padded image and a
    /// horizontal flip with probability 1/2 (off for data sets where a flip changes the meaning).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Augment { get; init; }
    /// <summary>Fine-tuning: start from this checkpoint's weights and input normalisation.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? InitFrom { get; init; }
    /// <summary>An approx.json whose tables become the model's piecewise-linear units (initial values).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Approx { get; init; }
    /// <summary>Train only the knots and values of the piecewise-linear units; everything else frozen.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool OnlyApprox { get; init; }

    /// <summary>Quantization-aware training: the post-training quantized model (emamba-int/1) whose
    /// boundary domains the integer forward trains under (docs/integer.md §21).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Qat { get; init; }

    /// <summary>Largest gradient-norm clip: a finite bound (Infinity or 1e308 reached libtorch as a clip
    /// that overflows); far above any useful value.</summary>
    public const double MaxGradClip = 1e6;

    /// <summary>Every double is range-checked with comparisons NaN and infinities fail.</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Epochs < 1 || Epochs > 100000) p.Add($"epochs {Epochs} must be in 1..100000");
        if (BatchSize < 1 || BatchSize > 65536) p.Add($"batch_size {BatchSize} must be in 1..65536");
        if (!(Lr > 0 && Lr < 10)) p.Add($"lr {Lr} must be in (0, 10)");
        if (!(MinLrRatio >= 0 && MinLrRatio <= 1)) p.Add($"min_lr_ratio {MinLrRatio} must be in [0, 1]");
        if (!(WeightDecay >= 0 && WeightDecay < 10)) p.Add($"weight_decay {WeightDecay} must be in [0, 10)");
        if (WarmupSteps < 0) p.Add($"warmup_steps {WarmupSteps} must be >= 0");
        if (!(GradClip >= 0 && GradClip <= MaxGradClip)) p.Add($"grad_clip {GradClip} must be in [0, {MaxGradClip:0e0}] (0 = off)");
        if (!(ValFraction >= 0 && ValFraction < 1)) p.Add($"val_fraction {ValFraction} must be in [0, 1)");
        if (SeqLen < 1 || SeqLen > 65536) p.Add($"seq_len {SeqLen} must be in 1..65536");
        if (InitFrom is "") p.Add("init_from must be a checkpoint path or absent");
        if (Approx is "") p.Add("approx must be a file path or absent");
        if (Qat is "") p.Add("qat must be a quantized model's path or absent");
        if (Qat != null && OnlyApprox) p.Add("qat and only_approx exclude each other: QAT trains the weights under fixed PWL tables");
        return p;
    }
}
