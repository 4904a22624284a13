namespace EMamba.Engine.Lm;

/// <summary>A summed negative log-likelihood (nats) over <see cref="Tokens"/> predicted tokens.</summary>
public readonly record struct StreamScore(double Nll, long Tokens)
{
    public double Perplexity => Math.Exp(Nll / Tokens);
    public double Loss => Nll / Tokens;
    public static StreamScore operator +(StreamScore a, StreamScore b) => new(a.Nll + b.Nll, a.Tokens + b.Tokens);
}
