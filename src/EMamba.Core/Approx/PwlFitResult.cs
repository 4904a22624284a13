namespace EMamba.Core.Approx;

/// <summary>What to fit: one function, its segment count and input range.</summary>
public sealed record PwlFitSpec(PwlFunction Function, int Segments, double Lo, double Hi);

/// <summary>One function's outcome: the activation histogram, the uniform-grid table (paper default:
/// exact values at evenly spaced knots) and the fitted one, with their errors under the histogram.</summary>
public sealed record PwlFitResult(PwlFitSpec Spec, Histogram Histogram, PwlTable Uniform, PwlError UniformError, PwlTable Fitted, PwlError FittedError);
