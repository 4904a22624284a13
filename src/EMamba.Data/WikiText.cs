using EMamba.Core;

namespace EMamba.Data;

/// <summary>A tokenized language-modelling corpus: the vocabulary and the three token streams.</summary>
/// <param name="Protocol">which files became which split, for reports</param>
public sealed record LmCorpus(Vocabulary Vocab, int[] Train, int[] Val, int[] Test, string Protocol);

/// <summary>WikiText-2 (tokenized v1: train.txt, valid.txt, test.txt). Where train.txt is missing, as
/// on this machine, the model trains on valid.txt minus its last <c>valFraction</c> of tokens, which
/// becomes the validation stream; test.txt stays the test split. The vocabulary is built from the
/// training file, and words it lacks read as &lt;unk&gt;.</summary>
public static class WikiText
{
    public const string DefaultDir = "../shared/data/wikitext-2";

    public static LmCorpus Load(string dir, double valFraction)
    {
        if (!Directory.Exists(dir))
            throw new EMambaException($"{dir}: WikiText-2 folder not found (expected the tokenized train.txt, valid.txt, test.txt; pass --data)");
        string train = Path.Combine(dir, "train.txt"), valid = Path.Combine(dir, "valid.txt"), test = Path.Combine(dir, "test.txt");
        foreach (var f in new[] { valid, test })
            if (!File.Exists(f)) throw new EMambaException($"{f}: not found (WikiText-2 needs valid.txt and test.txt at least)");
        if (File.Exists(train))
        {
            var v = Vocabulary.Build(train);
            int[] va = v.Encode(valid), te = v.Encode(test);
            return new LmCorpus(v, v.Encode(train), va, te,
                "trained on train.txt, selected on valid.txt, reported on test.txt (the official splits)" + UnknownShare(v, va, te));
        }
        if (!(valFraction > 0 && valFraction < 1))
            throw new EMambaException($"train.val_fraction {valFraction} must be in (0, 1): without train.txt the validation stream is the tail of valid.txt", ExitCodes.BadConfig);
        var vocab = Vocabulary.Build(valid);
        var all = vocab.Encode(valid);
        int cut = (int)Math.Round(all.Length * (1 - valFraction));
        var testIds = vocab.Encode(test);
        return new LmCorpus(vocab, all[..cut], all[cut..], testIds,
            $"train.txt is missing here: trained on the first {1 - valFraction:P0} of valid.txt ({cut:N0} tokens), selected on its last " +
            $"{valFraction:P0} ({all.Length - cut:N0} tokens), reported on test.txt; vocabulary ({vocab.Count:N0} words) from valid.txt" +
            UnknownShare(vocab, all[cut..], testIds));
    }

    /// <summary>How many evaluation tokens are &lt;unk&gt;: words missing from a small training vocabulary
    /// all become that one, easily predicted token, which lowers perplexity, so reports must say it.</summary>
    private static string UnknownShare(Vocabulary v, int[] val, int[] test)
    {
        int unk = v[Vocabulary.Unk];
        static double Share(int[] s, int id) => s.Length == 0 ? 0 : 100.0 * s.Count(t => t == id) / s.Length;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"; {Vocabulary.Unk} is {Share(val, unk):F1} % of validation and {Share(test, unk):F1} % of test tokens");
    }
}
