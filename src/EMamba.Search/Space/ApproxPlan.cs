using EMamba.Core.Approx;

namespace EMamba.Search.Space;

/// <summary>What a candidate does to the trained model's SiLU and exp: the segments and input range of each
/// table, where the knots come from, and how long the fine-tuning with the tables in the loop lasts
/// (fine_tuned only; 0 otherwise).</summary>
public sealed record ApproxPlan(PwlFitSpec Silu, PwlFitSpec Exp, KnotPlacement Placement, int FineTuneEpochs)
{
    /// <summary>Knots and values of both tables: a trained PWL unit stores them as parameters (one unit serves every block).</summary>
    public int TableParameters => 2 * (Silu.Segments + 1) + 2 * (Exp.Segments + 1);
}
