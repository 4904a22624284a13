namespace EMamba.Hardware.Synthesis;

/// <summary>A synthesis that could not run or did not finish: a missing tool (with the package to install),
/// a timeout, or the tool's first ERROR line with the path of its full log.</summary>
public sealed class SynthesisException(string message) : Exception(message);
