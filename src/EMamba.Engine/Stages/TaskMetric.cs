using EMamba.Core;
using EMamba.Data;

namespace EMamba.Engine.Stages;

/// <summary>A vision / radar task's figures from per-sample outputs (row-major [sample, output]):
/// MAE and RMSE in cm for regression, accuracy for classes (argmax of the codes when given, so ties
/// break as the integer engine's would). Used by run and sweep.</summary>
public static class TaskMetric
{
    public static string Name(ModelConfig cfg) => cfg.Head == Head.Regress ? "mae_cm" : "accuracy";

    public static Dictionary<string, double> Of(ModelConfig cfg, IDataset ds, Func<int, double> value, long[]? codes = null) =>
        Of(cfg, ds, value, codes, out _);

    /// <param name="classes">the predicted class of each sample (null for regression)</param>
    public static Dictionary<string, double> Of(ModelConfig cfg, IDataset ds, Func<int, double> value, long[]? codes, out int[]? classes)
    {
        int n = ds.Count, outs = cfg.NumOutputs;
        classes = null;
        var f = new Dictionary<string, double> { ["samples"] = n };
        if (cfg.Head == Head.Regress && ds is FloatDataset fd)
        {
            var pred = new float[n * outs];
            for (int j = 0; j < pred.Length; j++) pred[j] = (float)value(j);
            var r = Metrics.Regression(pred, fd.Targets.AsSpan(0, n * outs), outs);
            f["mae_cm"] = r.MeanMae; f["rmse_cm"] = r.MeanRmse;
            return f;
        }
        if (ds is not ImageDataset im) throw new EMambaException($"{ds.Source}: a classification model needs an image data set");
        long ok = 0;
        classes = new int[n];
        for (int i = 0; i < n; i++)
        {
            int best = 0;
            for (int k = 1; k < outs; k++)
                if (codes != null ? codes[i * outs + k] > codes[i * outs + best] : value(i * outs + k) > value(i * outs + best)) best = k;
            classes[i] = best;
            if (best == im.Labels[i]) ok++;
        }
        f["accuracy"] = Metrics.Accuracy(ok, n);
        return f;
    }
}
