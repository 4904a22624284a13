using EMamba.Core;
using EMamba.Core.Integer;

namespace EMamba.Search.Space;

/// <summary>A candidate made concrete: the run to train (the base config with the candidate's architecture,
/// as the eMamba variant the quantizer needs: range norm with the matched gain, ReLU Delta; trained with
/// exact SiLU and exp, whose tables <see cref="Approx"/> then fits, swaps in and optionally fine-tunes, as
/// the ablation does), the precision to quantize it with, and its parameter count (tables included).</summary>
public sealed record CandidateConfig(RunConfig Run, ApproxPlan Approx, Precision Precision, long Parameters);

/// <summary>The outcome of applying a candidate: a config, or every reason it is not a valid model.</summary>
public sealed record Applied(CandidateConfig? Config, IReadOnlyList<string> Problems)
{
    public bool Valid => Config != null;
}
