using EMamba.Core;

namespace EMamba.Data;

/// <summary>Word vocabulary of tokenized WikiText: words split on whitespace, one &lt;eos&gt; per line
/// (as in PyTorch's word_language_model example), ids in order of first appearance in the
/// training file; words not in it map to &lt;unk&gt;.</summary>
public sealed class Vocabulary
{
    public const string Eos = "<eos>", Unk = "<unk>";
    private readonly Dictionary<string, int> ids = new(StringComparer.Ordinal);
    private readonly List<string> words = [];

    public int Count => words.Count;
    public int this[string word] => ids.TryGetValue(word, out int id) ? id : ids[Unk];
    public string Word(int id) => words[id];

    private void Add(string w)
    {
        if (ids.TryAdd(w, words.Count)) words.Add(w);
    }

    public static Vocabulary Build(string trainPath)
    {
        var v = new Vocabulary();
        foreach (var line in Lines(trainPath))
        {
            foreach (var w in Split(line)) v.Add(w);
            v.Add(Eos);
        }
        v.Add(Unk);
        return v;
    }

    public int[] Encode(string path)
    {
        var tokens = new List<int>();
        foreach (var line in Lines(path))
        {
            foreach (var w in Split(line)) tokens.Add(this[w]);
            tokens.Add(ids[Eos]);
        }
        return tokens.ToArray();
    }

    public void Save(string path) => AtomicFile.WriteAllText(path, string.Join("\n", words) + "\n");

    public static Vocabulary Load(string path)
    {
        var v = new Vocabulary();
        foreach (var w in Lines(path)) if (w.Length > 0) v.Add(w);
        if (!v.ids.ContainsKey(Unk) || !v.ids.ContainsKey(Eos)) throw new EMambaException($"{path}: vocabulary lacks {Unk} or {Eos}");
        return v;
    }

    private static IEnumerable<string> Lines(string path) =>
        File.Exists(path) ? File.ReadLines(path) : throw new EMambaException($"{path}: text file not found");

    private static string[] Split(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}

/// <summary>Token streams for truncated back-propagation through time.</summary>
public static class TokenBatches
{
    /// <summary>(batch, len): stream b is the contiguous slice [b*len, (b+1)*len); the remainder is dropped.</summary>
    public static int[,] Batchify(int[] tokens, int batch)
    {
        if (batch < 1) throw new ArgumentException("batch must be >= 1");
        int len = tokens.Length / batch;
        var r = new int[batch, len];
        for (int b = 0; b < batch; b++)
            for (int t = 0; t < len; t++) r[b, t] = tokens[b * len + t];
        return r;
    }
}
