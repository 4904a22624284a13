using EMamba.Core;

namespace EMamba.Data;

/// <summary>Word vocabulary of tokenized WikiText, as in PyTorch's word_language_model example:
/// words split on whitespace, every line (empty ones too) ends with one &lt;eos&gt;, ids in order of
/// first appearance in the training file. &lt;unk&gt; is always present (WikiText has it in the text;
/// otherwise it is added last) and stands for words the training file lacks.</summary>
public sealed class Vocabulary
{
    public const string Eos = "<eos>", Unk = "<unk>";
    private readonly Dictionary<string, int> ids = new(StringComparer.Ordinal);
    private readonly List<string> words = [];

    public int Count => words.Count;

    /// <summary>The id of a word; unknown words get the id of &lt;unk&gt;.</summary>
    public int this[string word] => ids.TryGetValue(word, out int id) ? id : ids[Unk];

    public string Word(int id) => words[id];

    private bool Add(string w)
    {
        if (!ids.TryAdd(w, words.Count)) return false;
        words.Add(w);
        return true;
    }

    public static Vocabulary Build(string trainPath)
    {
        var v = new Vocabulary();
        foreach (var line in Lines(trainPath))
        {
            foreach (var w in Split(line)) v.Add(w);
            v.Add(Eos);
        }
        v.Add(Eos);
        v.Add(Unk);
        return v;
    }

    /// <summary>The token ids of a text file: its words, and one &lt;eos&gt; at the end of each line.</summary>
    public int[] Encode(string path)
    {
        var tokens = new List<int>();
        int eos = ids[Eos];
        foreach (var line in Lines(path))
        {
            foreach (var w in Split(line)) tokens.Add(this[w]);
            tokens.Add(eos);
        }
        return [.. tokens];
    }

    /// <summary>One word per line, in id order.</summary>
    public void Save(string path) => AtomicFile.WriteAllText(path, ToText());

    /// <summary>One word per line, in id order (the form checkpoints carry it in).</summary>
    public string ToText() => string.Join("\n", words) + "\n";

    public static Vocabulary Load(string path) => FromLines(Lines(path), path);

    /// <summary>The inverse of <see cref="ToText"/>; <paramref name="source"/> names the text in errors.</summary>
    public static Vocabulary FromText(string text, string source) =>
        FromLines(text.EndsWith('\n') ? text[..^1].Split('\n') : text.Split('\n'), source);

    private static Vocabulary FromLines(IEnumerable<string> lines, string path)
    {
        var v = new Vocabulary();
        int lineNo = 0;
        foreach (var w in lines)
        {
            lineNo++;
            // A blank or repeated line would shift every later id: the file is not one we wrote.
            if (w.Length == 0 || Split(w).Length != 1 || !v.Add(w))
                throw new EMambaException($"{path}: line {lineNo}: expected one new word per line, got '{w}'");
        }
        if (!v.ids.ContainsKey(Unk) || !v.ids.ContainsKey(Eos)) throw new EMambaException($"{path}: vocabulary lacks {Unk} or {Eos}");
        return v;
    }

    // Streamed (a corpus may be large), but only from a regular file, which ends; opened on first use.
    private static IEnumerable<string> Lines(string path)
    {
        using var r = new StreamReader(UserFile.OpenRead(path, "text file not found"));
        while (r.ReadLine() is { } line) yield return line;
    }

    private static string[] Split(string line) => line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
}
