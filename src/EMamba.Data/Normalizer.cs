using System.Globalization;
using EMamba.Data;

namespace EMamba.Data;

/// <summary>Per-channel mean/std of the training inputs (image pixels in [0,1]; float data in its own units); stored in checkpoints so that
/// evaluation and later stages (quantization) see exactly the inputs the model was trained on.</summary>
public sealed record Normalizer(float[] Mean, float[] Std)
{
    public static Normalizer FromTraining(IDataset ds) => ds switch
    {
        ImageDataset im => FromTraining(im),
        FloatDataset f => FromTraining(f),
        _ => throw new ArgumentException($"no normalizer for data set type {ds.GetType().Name}"),
    };

    public static Normalizer FromTraining(ImageDataset ds)
    {
        int c = ds.Channels, plane = ds.Height * ds.Width;
        var sum = new double[c];
        var sq = new double[c];
        for (int i = 0; i < ds.Count; i++)
            for (int ch = 0; ch < c; ch++)
            {
                var px = ds.Pixels.AsSpan((i * c + ch) * plane, plane);
                long s = 0, s2 = 0;
                foreach (byte b in px) { s += b; s2 += b * b; }
                sum[ch] += s; sq[ch] += s2;
            }
        double n = (double)ds.Count * plane;
        var mean = new float[c];
        var std = new float[c];
        for (int ch = 0; ch < c; ch++)
        {
            double m = sum[ch] / n / 255.0;
            double v = sq[ch] / n / (255.0 * 255.0) - m * m;
            mean[ch] = (float)m;
            std[ch] = (float)Math.Sqrt(Math.Max(v, 1e-12));
        }
        return new Normalizer(mean, std);
    }

    /// <summary>Mean and standard deviation per channel in the data's own units (MARS: metres,
    /// Doppler, intensity), zero padding included, since the model sees the padding too.</summary>
    public static Normalizer FromTraining(FloatDataset ds)
    {
        int c = ds.Channels, plane = ds.Height * ds.Width;
        var mean = new float[c];
        var std = new float[c];
        for (int ch = 0; ch < c; ch++)
        {
            double s = 0, s2 = 0;
            for (int i = 0; i < ds.Count; i++)
                foreach (float v in ds.Features.AsSpan((i * c + ch) * plane, plane)) { s += v; s2 += (double)v * v; }
            double n = (double)ds.Count * plane, m = s / n;
            mean[ch] = (float)m;
            std[ch] = (float)Math.Sqrt(Math.Max(s2 / n - m * m, 1e-12));
        }
        return new Normalizer(mean, std);
    }

    public string Serialize() => string.Join(";", Mean.Zip(Std, (m, s) =>
        m.ToString("R", CultureInfo.InvariantCulture) + "," + s.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>No input normalization (language models: their inputs are token ids).</summary>
    public static readonly Normalizer None = new([], []);

    public static Normalizer Parse(string text)
    {
        if (text.Length == 0) return None;
        var pairs = text.Split(';').Select(p => p.Split(',')).ToArray();
        if (pairs.Any(p => p.Length != 2)) throw new FormatException($"bad normalizer '{text}'");
        return new Normalizer(
            pairs.Select(p => float.Parse(p[0], CultureInfo.InvariantCulture)).ToArray(),
            pairs.Select(p => float.Parse(p[1], CultureInfo.InvariantCulture)).ToArray());
    }

    /// <summary>Parses and checks a stored normalizer against the model it feeds: exactly
    /// <paramref name="channels"/> (mean, std) pairs (0 for a language model), every mean finite, every
    /// std finite and &gt; 0. A mismatch would otherwise index past the arrays while batching, and a NaN
    /// or zero std turns every input into NaN.</summary>
    /// <exception cref="FormatException">naming the problem</exception>
    public static Normalizer Parse(string text, int channels)
    {
        var n = Parse(text);
        var p = n.Problems(channels);
        if (p.Count > 0) throw new FormatException(string.Join("; ", p));
        return n;
    }

    /// <summary>What is wrong with this normalizer for a model of <paramref name="channels"/> input channels (empty: nothing).</summary>
    public IReadOnlyList<string> Problems(int channels)
    {
        var p = new List<string>();
        if (Mean.Length != Std.Length) p.Add($"{Mean.Length} means but {Std.Length} stds");
        if (Mean.Length != channels)
            p.Add(channels == 0
                ? $"holds {Mean.Length} channels but a language model has no input normalization"
                : $"holds {Mean.Length} channel(s) but the model has {channels} input channel(s)");
        for (int i = 0; i < Mean.Length; i++)
            if (!float.IsFinite(Mean[i])) p.Add($"channel {i}: mean {Mean[i].ToString(CultureInfo.InvariantCulture)} is not finite");
        for (int i = 0; i < Std.Length; i++)
            if (!(float.IsFinite(Std[i]) && Std[i] > 0)) p.Add($"channel {i}: std {Std[i].ToString(CultureInfo.InvariantCulture)} must be finite and > 0");
        return p;
    }
}
