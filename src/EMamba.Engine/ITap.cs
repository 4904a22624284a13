namespace EMamba.Engine;

/// <summary>Observes every intermediate tensor of a forward pass: the op's name (doc §3's boundary
/// names, e.g. "blocks.0.delta"), the token it belongs to, and its codes (only valid during the call).</summary>
public interface ITap
{
    void Tensor(string name, int token, ReadOnlySpan<long> codes);
}
