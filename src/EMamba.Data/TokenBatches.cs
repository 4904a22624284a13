namespace EMamba.Data;

/// <summary>Token streams for truncated back-propagation through time.</summary>
public static class TokenBatches
{
    /// <summary>(batch, len) with len = tokens / batch: stream b is the contiguous slice
    /// [b*len, (b+1)*len) and the remainder is dropped, as PyTorch's <c>batchify</c> does
    /// (it returns the transpose, (len, batch)).</summary>
    public static int[,] Batchify(int[] tokens, int batch)
    {
        if (batch < 1) throw new ArgumentOutOfRangeException(nameof(batch), $"batch {batch} must be >= 1");
        int len = tokens.Length / batch;
        var r = new int[batch, len];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < len; t++) r[b, t] = tokens[b * len + t];
        return r;
    }
}
