using System.Globalization;

namespace EMamba.Reports;

/// <summary>How every report writes a figure: accuracy in %, errors in cm, perplexity and losses plain.</summary>
public static class Figures
{
    public static string Format(string name, double v) => name switch
    {
        "accuracy" => v.ToString("F2", CultureInfo.InvariantCulture) + " %",
        "perplexity" or "samples" => v.ToString(name == "samples" ? "N0" : "F2", CultureInfo.InvariantCulture),
        _ when name.EndsWith("_cm", StringComparison.Ordinal) => v.ToString("F2", CultureInfo.InvariantCulture) + " cm",
        _ => v.ToString("F4", CultureInfo.InvariantCulture),
    };

    /// <summary>Column header of a metric on a split: "test accuracy %" or "val MAE cm".</summary>
    public static string MetricHeader(string metric, string split = "test") => split + " " + metric switch
    {
        "accuracy" => "accuracy %",
        "mae_cm" => "MAE cm",
        "rmse_cm" => "RMSE cm",
        _ => metric,
    };
}
