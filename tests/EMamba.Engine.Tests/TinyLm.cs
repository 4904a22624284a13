using EMamba.Core;
using EMamba.Data;

namespace EMamba.Engine.Tests;

/// <summary>Tiny language-model fixtures: a seeded WikiText-shaped folder (valid.txt, test.txt) and
/// Mamba LM configs sized to its vocabulary.</summary>
internal static class TinyLm
{
    /// <summary>A tiny LM; <paramref name="embedDim"/> 0 embeds at d_model, less adds embed_in / embed_out.</summary>
    public static ModelConfig Config(int vocab, int embedDim) => new()
    {
        Task = TaskKind.Wikitext2, Head = Head.Lm, Vocab = vocab, DModel = 16, Expand = 2, DState = 4, NLayers = 2, EmbedDim = embedDim,
    };

    /// <summary>Writes valid.txt and test.txt of <paramref name="words"/> distinct words in lines of a
    /// few words (a first-order chain, so there is something to predict), and returns the corpus.</summary>
    public static LmCorpus WriteFolder(string dir, int words = 40, int seed = 1)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        string Lines(int n)
        {
            var sb = new System.Text.StringBuilder();
            int w = 0;
            for (int l = 0; l < n; l++)
            {
                int len = 4 + rng.Next(8);
                for (int i = 0; i < len; i++) { w = rng.Next(4) == 0 ? rng.Next(words) : (w * 7 + 3) % words; sb.Append(" w").Append(w); }
                sb.Append('\n');
            }
            return sb.ToString();
        }
        // Every word once first, so the vocabulary (built from valid.txt) holds them all.
        File.WriteAllText(Path.Combine(dir, "valid.txt"), string.Join(' ', Enumerable.Range(0, words).Select(i => $"w{i}")) + "\n" + Lines(400));
        File.WriteAllText(Path.Combine(dir, "test.txt"), Lines(200));
        return WikiText.Load(dir, 0.1);
    }
}
