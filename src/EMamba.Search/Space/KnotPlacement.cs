namespace EMamba.Search.Space;

/// <summary>Where the knots of a candidate's PWL tables come from (JSON: uniform, fitted, fine_tuned).
/// Core has the tables and the fit (<c>PwlTable.Uniform</c>, <c>PwlFit.Fit</c>) but no name for the choice.</summary>
public enum KnotPlacement
{
    /// <summary>Evenly spaced knots with the exact function's values (the paper's grid).</summary>
    Uniform,
    /// <summary>Knots placed by <c>PwlFit</c> under the trained model's activation histogram.</summary>
    Fitted,
    /// <summary>Fitted, then knots and values trained with the rest of the model for <c>finetune_epochs</c>.</summary>
    FineTuned,
}
