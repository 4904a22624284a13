using EMamba.Data;
using EMamba.Training.Batching;
using EMamba.Training.Scan;

namespace EMamba.Training.Tests;

/// <summary>Random crop (4-pixel zero padding) and horizontal flip of training images.</summary>
[Collection("torch")]
public sealed class AugmentTests
{
    private static ImageDataset Images(int n, int c, int h, int w, int seed)
    {
        var px = new byte[n * c * h * w];
        new Random(seed).NextBytes(px);
        return new ImageDataset { Count = n, Channels = c, Height = h, Width = w, Pixels = px, Labels = new int[n], ClassNames = ["a"], Source = "gen" };
    }

    /// <summary>The reference: pad by 4 with zeros, crop at (4+dy, 4+dx), then mirror.</summary>
    private static float[] Expected(ImageDataset ds, int i, Normalizer norm, int dy, int dx, bool flip)
    {
        int c = ds.Channels, h = ds.Height, w = ds.Width, P = ImageBatches.CropPad;
        var padded = new byte[c, h + 2 * P, w + 2 * P];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                    padded[ch, y + P, x + P] = ds.Pixels[((i * c + ch) * h + y) * w + x];
        var o = new float[c * h * w];
        for (int ch = 0; ch < c; ch++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    int cx = flip ? w - 1 - x : x;
                    o[(ch * h + y) * w + x] = padded[ch, y + P + dy, cx + P + dx] * (1f / (255f * norm.Std[ch])) - norm.Mean[ch] / norm.Std[ch];
                }
        return o;
    }

    [Fact]
    public void EveryAugmentedImageIsACropAndMaybeAFlipOfItsSource()
    {
        var ds = Images(40, 3, 6, 7, 1);
        var norm = new Normalizer([0.4f, 0.5f, 0.6f], [0.2f, 0.25f, 0.3f]);
        var idx = Enumerable.Range(0, ds.Count).ToArray();
        using var t = ImageBatches.Images(ds, idx, norm, new Random(9));      // (40, 3, 6, 7)
        var got = t.data<float>().ToArray();
        var seen = new HashSet<(int, int, bool)>();
        int size = ds.SampleSize;
        for (int i = 0; i < ds.Count; i++)
        {
            var sample = got.AsSpan(i * size, size).ToArray();
            var match = (from dy in Enumerable.Range(-4, 9) from dx in Enumerable.Range(-4, 9) from flip in new[] { false, true }
                         where Expected(ds, i, norm, dy, dx, flip).SequenceEqual(sample)
                         select (dy, dx, flip)).ToList();
            Assert.NotEmpty(match);
            seen.Add(match[0]);
        }
        // 40 draws from 162 equally likely choices: nearly all distinct, both flips present.
        Assert.True(seen.Count > 25, $"only {seen.Count} distinct crops");
        Assert.Contains(seen, s => s.Item3);
        Assert.Contains(seen, s => !s.Item3);
    }

    [Fact]
    public void WithoutAugmentationTheImageIsUnchanged()
    {
        var ds = Images(3, 1, 5, 5, 2);
        var norm = new Normalizer([0.5f], [0.5f]);
        using var t = ImageBatches.Images(ds, [0, 1, 2], norm);
        var got = t.data<float>().ToArray();
        for (int i = 0; i < 3; i++)
            Assert.Equal(Expected(ds, i, norm, 0, 0, false), got.AsSpan(i * 25, 25).ToArray());
    }

    [Fact]
    public void TheSameSeedGivesTheSameBatch()
    {
        var ds = Images(16, 1, 8, 8, 3);
        var norm = new Normalizer([0.5f], [0.5f]);
        var idx = Enumerable.Range(0, 16).ToArray();
        float[] Draw(int seed) { using var t = ImageBatches.Images(ds, idx, norm, new Random(seed)); return t.data<float>().ToArray(); }
        Assert.Equal(Draw(4), Draw(4));
        Assert.NotEqual(Draw(4), Draw(5));
    }
}
