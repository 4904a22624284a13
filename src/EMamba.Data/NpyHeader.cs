using System.Globalization;
using EMamba.Core;

namespace EMamba.Data;

/// <summary>The header dict of a .npy file, e.g. <c>{'descr': '&lt;f8', 'fortran_order': False, 'shape': (3, 4), }</c>.
/// Parsed strictly as the Python literal NumPy writes: exactly the keys descr (a string),
/// fortran_order (True/False) and shape (a tuple of non-negative ints), in any order, each once,
/// optional trailing commas, nothing but spaces and the newline padding after the closing brace.</summary>
internal sealed record NpyHeader(string Descr, bool FortranOrder, int[] Shape)
{
    /// <param name="offset">File offset of the first header character, so errors point at the byte.</param>
    public static NpyHeader Parse(string text, string path, long offset) => new Parser(text, path, offset).Dict();

    private sealed class Parser(string text, string path, long offset)
    {
        private int pos;

        public NpyHeader Dict()
        {
            string? descr = null;
            bool? fortran = null;
            int[]? shape = null;
            Expect('{');
            while (Peek() != '}')
            {
                int keyAt = pos;
                string key = String();
                Expect(':');
                switch (key)
                {
                    case "descr" when descr is null:
                        if (Peek() != '\'' && Peek() != '"') throw Fail("descr must be a string (structured dtypes are not supported)");
                        descr = String();
                        break;
                    case "fortran_order" when fortran is null: fortran = Bool(); break;
                    case "shape" when shape is null: shape = Tuple(); break;
                    case "descr" or "fortran_order" or "shape": pos = keyAt; throw Fail($"key '{key}' appears twice");
                    default: pos = keyAt; throw Fail($"unexpected key '{key}' (expected descr, fortran_order, shape)");
                }
                if (Peek() == ',') pos++;
                else if (Peek() != '}') throw Fail("expected ',' or '}'");
            }
            pos++;
            for (; pos < text.Length; pos++)
                if (text[pos] is not (' ' or '\n' or '\0')) throw Fail("unexpected text after the header dict");
            if (descr is null || fortran is null || shape is null)
                throw Fail($"the header dict lacks {string.Join(", ", new[] { descr is null ? "descr" : null, fortran is null ? "fortran_order" : null, shape is null ? "shape" : null }.OfType<string>())}");
            return new NpyHeader(descr, fortran.Value, shape);
        }

        private string String()
        {
            char q = Peek();
            if (q is not ('\'' or '"')) throw Fail("expected a quoted string");
            int start = ++pos, end = text.IndexOf(q, start);
            if (end < 0) throw Fail("unterminated string");
            string s = text[start..end];
            if (s.Contains('\\')) throw Fail("escapes in strings are not supported");
            pos = end + 1;
            return s;
        }

        private bool Bool()
        {
            Peek();
            foreach (var (word, value) in new[] { ("True", true), ("False", false) })
                if (string.CompareOrdinal(text, pos, word, 0, word.Length) == 0) { pos += word.Length; return value; }
            throw Fail("fortran_order must be True or False");
        }

        private int[] Tuple()
        {
            Expect('(');
            var dims = new List<int>();
            bool comma = false;
            while (Peek() != ')')
            {
                int start = pos;
                while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
                if (!int.TryParse(text.AsSpan(start, pos - start), NumberStyles.None, CultureInfo.InvariantCulture, out int d))
                {
                    pos = start;
                    throw Fail("shape entry must be a non-negative integer below 2^31");
                }
                dims.Add(d);
                comma = Peek() == ',';
                if (comma) pos++;
                else if (Peek() != ')') throw Fail("expected ',' or ')' in shape");
            }
            if (dims.Count == 1 && !comma) throw Fail("shape (n) is not a tuple; NumPy writes (n,)");
            pos++;
            return [.. dims];
        }

        private void Expect(char c)
        {
            if (Peek() != c) throw Fail($"expected '{c}'");
            pos++;
        }

        // The next non-blank character ('\0' at the end); blanks are skipped for good.
        private char Peek()
        {
            while (pos < text.Length && text[pos] == ' ') pos++;
            return pos < text.Length ? text[pos] : '\0';
        }

        private FileFormatException Fail(string problem)
        {
            string shown = text.TrimEnd();
            if (shown.Length > 200) shown = shown[..200] + "...";
            return new(path, offset + pos, $"NPY header: {problem}; header is {shown}");
        }
    }
}
