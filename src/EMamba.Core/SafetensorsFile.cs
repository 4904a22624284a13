using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace EMamba.Core;

/// <summary>The Hugging Face safetensors format: a u64 little-endian header length N, N bytes of
/// UTF-8 JSON (an object mapping tensor names to {dtype, shape, data_offsets}, plus an optional
/// string-to-string map "__metadata__"), then the data section, little-endian, offsets relative to
/// its first byte.
///
/// <para>Reading validates the whole header before any tensor is allocated, following the reference
/// implementation's rules: header length at most <see cref="MaxHeader"/> and within the file; the
/// header starts with '{' and is one JSON object (whitespace may follow it; the writer pads with
/// spaces); known dtypes only; shapes of non-negative integers whose element count does not
/// overflow; data_offsets exactly two non-negative integers with begin &lt;= end &lt;= data length;
/// end - begin = elements x dtype size; no duplicate names (or duplicate keys in an entry or in the
/// metadata); metadata values are strings ("__metadata__": null means none); and the tensors, sorted
/// by (begin, end), tile the data section exactly: no overlap, no hole, no trailing bytes. Keys of a
/// tensor entry other than the three are ignored, as the reference does. Every violation is a
/// <see cref="FileFormatException"/> naming the source and the byte offset in the file.</para>
///
/// <para>Writing is deterministic: tensors sorted by name (ordinal), "__metadata__" first with keys
/// sorted, compact JSON padded with spaces to a multiple of 8 bytes, data in the same order.</para></summary>
public sealed class SafetensorsFile
{
    /// <summary>Largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeader = 100_000_000;
    private const long HeaderStart = 8;

    private readonly Dictionary<string, TensorData> byName;

    /// <summary>The path or name the file was read from.</summary>
    public string Source { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    /// <summary>Tensors sorted by name (ordinal).</summary>
    public IReadOnlyList<TensorData> Tensors { get; }

    private SafetensorsFile(string source, Dictionary<string, string> meta, List<TensorData> tensors)
    {
        tensors.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        Source = source; Metadata = meta; Tensors = tensors;
        byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public bool Contains(string name) => byName.ContainsKey(name);

    public bool TryGet(string name, [MaybeNullWhen(false)] out TensorData tensor) => byName.TryGetValue(name, out tensor);

    /// <summary>The tensor of that name; a missing one is an <see cref="EMambaException"/> naming the
    /// file, the tensor and the available names closest to it.</summary>
    public TensorData this[string name] => byName.TryGetValue(name, out var t) ? t : throw Missing(name);

    private EMambaException Missing(string name)
    {
        if (Tensors.Count == 0) return new($"{Source}: no tensor '{name}' (the file holds no tensors)");
        static int Common(string a, string b) { int i = 0; while (i < a.Length && i < b.Length && a[i] == b[i]) i++; return i; }
        var near = Tensors.Select(x => x.Name).OrderByDescending(n => Common(n, name)).ThenBy(n => n, StringComparer.Ordinal).Take(5).ToList();
        return new($"{Source}: no tensor '{name}' (it has {Tensors.Count}; nearest: {string.Join(", ", near)}{(Tensors.Count > near.Count ? ", ..." : "")})");
    }

    // ---------------------------------------------------------------- reading

    /// <summary>Reads a file by streaming: the header is read and validated against the file length
    /// first, then each tensor is read into its own array. A file may exceed 2 GiB; one tensor may not.</summary>
    public static SafetensorsFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        // Opening a FIFO blocks until a writer appears, so its type is checked before the open.
        if (File.Exists(path)) UserFile.RequireRegular(path);
        FileStream fs;
        try { fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan); }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        { throw new EMambaException($"{path}: file not found", ExitCodes.BadInput, e); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new EMambaException($"{path}: cannot open: {e.Message}", ExitCodes.BadInput, e); }

        using (fs)
        {
            if (!fs.CanSeek) throw new EMambaException($"{path}: not a regular file", ExitCodes.BadInput);
            try
            {
                long fileLen = fs.Length;
                Span<byte> prefix = stackalloc byte[8];
                int got = fs.ReadAtLeast(prefix, 8, throwOnEndOfStream: false);
                long n = HeaderLength(prefix[..got], fileLen, path);
                var json = new byte[n];            // n <= MaxHeader and n <= fileLen - 8: checked above
                fs.ReadExactly(json);
                var (meta, entries) = ParseHeader(json, fileLen - HeaderStart - n, path);
                var tensors = new List<TensorData>(entries.Count);
                foreach (var e in entries)         // sorted by offset and contiguous, so sequential reads
                {
                    long size = e.End - e.Begin;
                    if (size > Array.MaxLength)
                        throw new FileFormatException(path, HeaderStart + n + e.Begin,
                            $"tensor '{e.Name}' has {size} bytes; this reader holds at most {Array.MaxLength} bytes per tensor");
                    var data = new byte[size];
                    fs.ReadExactly(data);
                    tensors.Add(new TensorData(e.Name, e.DType, e.Shape, data, path));
                }
                return new SafetensorsFile(path, meta, tensors);
            }
            catch (EndOfStreamException e)
            { throw new FileFormatException(path, fs.Position, $"the file ended early; was it changed while being read? ({e.Message})"); }
            catch (IOException e)
            { throw new EMambaException($"{path}: read failed at byte {fs.Position}: {e.Message}", ExitCodes.BadInput, e); }
        }
    }

    /// <summary>Parses a whole file held in memory; <paramref name="sourceName"/> names it in errors.</summary>
    public static SafetensorsFile Parse(byte[] bytes, string sourceName)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(sourceName);
        long n = HeaderLength(bytes.AsSpan(0, Math.Min(8, bytes.Length)), bytes.Length, sourceName);
        long dataStart = HeaderStart + n;
        var (meta, entries) = ParseHeader(bytes.AsSpan((int)HeaderStart, (int)n), bytes.Length - dataStart, sourceName);
        var tensors = entries.Select(e => new TensorData(e.Name, e.DType, e.Shape,
            bytes.AsSpan((int)(dataStart + e.Begin), (int)(e.End - e.Begin)).ToArray(), sourceName)).ToList();
        return new SafetensorsFile(sourceName, meta, tensors);
    }

    /// <summary>Checks the 8-byte prefix (given as the up to 8 bytes present) and returns the header length.</summary>
    private static long HeaderLength(ReadOnlySpan<byte> prefix, long fileLen, string source)
    {
        TensorData.EnsureLittleEndian();
        if (prefix.Length < 8)
            throw new FileFormatException(source, 0, $"file is {fileLen} bytes; a safetensors file starts with an 8-byte header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (n > MaxHeader) throw new FileFormatException(source, 0, $"header length {n} exceeds the {MaxHeader}-byte limit");
        if ((long)n > fileLen - HeaderStart)
            throw new FileFormatException(source, 0, $"header length {n} runs past the end of the {fileLen}-byte file (truncated?)");
        return (long)n;
    }

    private sealed record Entry(string Name, TensorDType DType, long[] Shape, long Begin, long End);

    /// <summary>Validates the header JSON (file bytes 8..8+N) against a data section of
    /// <paramref name="dataLen"/> bytes; returns the metadata and the entries sorted by offset.</summary>
    private static (Dictionary<string, string> Meta, List<Entry> Entries) ParseHeader(ReadOnlySpan<byte> json, long dataLen, string source)
    {
        FileFormatException Bad(long at, string what) => new(source, at, what);
        if (json.Length == 0 || json[0] != (byte)'{') throw Bad(HeaderStart, "the header must start with '{' (a JSON object)");
        long dataStart = HeaderStart + json.Length;
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 });
        try
        {
            Next(ref reader);                                                  // the '{'
            var names = new HashSet<string>(StringComparer.Ordinal);
            while (Next(ref reader) == JsonTokenType.PropertyName)
            {
                long at = HeaderStart + reader.TokenStartIndex;
                string name = reader.GetString()!;
                if (!names.Add(name)) throw Bad(at, $"duplicate entry '{name}' in the header");
                Next(ref reader);
                if (name == "__metadata__") ReadMetadata(ref reader, meta, Bad);
                else entries.Add(ReadEntry(ref reader, name, at, dataLen, Bad));
            }
            if (reader.Read()) throw Bad(HeaderStart + reader.TokenStartIndex, "unexpected content after the header object");
        }
        catch (JsonException e)
        {
            long at = HeaderStart + (e.LineNumber == 0 && e.BytePositionInLine is long p ? p : reader.BytesConsumed);
            throw Bad(at, $"the header is not valid JSON: {e.Message.Split(" LineNumber:")[0]}");
        }
        catch (InvalidOperationException e)                                    // a string that is not valid UTF-8
        { throw Bad(HeaderStart + reader.TokenStartIndex, $"the header holds invalid text: {e.Message}"); }

        // The tensors must tile the data section: sorted by (begin, end), each starts where the last ended.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long pos = 0;
        Entry? prev = null;
        foreach (var e in entries)
        {
            if (e.Begin < pos)
                throw Bad(dataStart + e.Begin, $"tensor '{e.Name}' (data bytes [{e.Begin}, {e.End})) overlaps tensor '{prev!.Name}' ([{prev.Begin}, {prev.End}))");
            if (e.Begin > pos)
                throw Bad(dataStart + pos, $"data bytes [{pos}, {e.Begin}) before tensor '{e.Name}' belong to no tensor (the format allows no holes)");
            pos = e.End;
            prev = e;
        }
        if (pos != dataLen)
            throw Bad(dataStart + pos, $"{dataLen - pos} bytes after the last tensor belong to no tensor (the format allows no trailing data)");
        return (meta, entries);
    }

    private static JsonTokenType Next(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new JsonException("the header ends inside the JSON object");
        return r.TokenType;
    }

    private static void ReadMetadata(ref Utf8JsonReader r, Dictionary<string, string> meta, Func<long, string, FileFormatException> Bad)
    {
        if (r.TokenType == JsonTokenType.Null) return;
        if (r.TokenType != JsonTokenType.StartObject)
            throw Bad(HeaderStart + r.TokenStartIndex, "__metadata__ must be an object whose values are strings");
        while (Next(ref r) == JsonTokenType.PropertyName)
        {
            long at = HeaderStart + r.TokenStartIndex;
            string key = r.GetString()!;
            if (Next(ref r) != JsonTokenType.String)
                throw Bad(HeaderStart + r.TokenStartIndex, $"__metadata__ value of '{key}' is not a string ({r.TokenType})");
            if (!meta.TryAdd(key, r.GetString()!)) throw Bad(at, $"duplicate key '{key}' in __metadata__");
        }
    }

    private static Entry ReadEntry(ref Utf8JsonReader r, string name, long at, long dataLen, Func<long, string, FileFormatException> Bad)
    {
        if (r.TokenType != JsonTokenType.StartObject)
            throw Bad(HeaderStart + r.TokenStartIndex, $"tensor '{name}': the entry must be an object with dtype, shape and data_offsets");
        TensorDType? dtype = null;
        List<long>? shape = null, offsets = null;
        long shapeAt = at, offsetsAt = at;
        while (Next(ref r) == JsonTokenType.PropertyName)
        {
            long keyAt = HeaderStart + r.TokenStartIndex;
            string key = r.GetString()!;
            Next(ref r);
            long valueAt = HeaderStart + r.TokenStartIndex;
            bool dup = false;
            switch (key)
            {
                case "dtype":
                    dup = dtype != null;
                    string? s = r.TokenType == JsonTokenType.String ? r.GetString() : null;
                    if (s is null || !TensorDTypes.TryParse(s, out var dt))
                        throw Bad(valueAt, $"tensor '{name}': unknown dtype {(s is null ? r.TokenType.ToString() : $"'{s}'")} " +
                            $"(known: {string.Join(", ", TensorDTypes.All.Select(d => d.Name()))})");
                    dtype = dt;
                    break;
                case "shape":
                    dup = shape != null;
                    shape = ReadNonNegativeInts(ref r, valueAt, $"tensor '{name}': shape", Bad);
                    shapeAt = valueAt;
                    break;
                case "data_offsets":
                    dup = offsets != null;
                    offsets = ReadNonNegativeInts(ref r, valueAt, $"tensor '{name}': data_offsets", Bad);
                    offsetsAt = valueAt;
                    break;
                default:
                    r.Skip();
                    break;
            }
            if (dup) throw Bad(keyAt, $"tensor '{name}': duplicate key '{key}'");
        }
        if (dtype is not TensorDType type) throw Bad(at, $"tensor '{name}': missing 'dtype'");
        if (shape is null) throw Bad(at, $"tensor '{name}': missing 'shape'");
        if (offsets is null) throw Bad(at, $"tensor '{name}': missing 'data_offsets'");
        long count = TensorData.CountElements(shape)
            ?? throw Bad(shapeAt, $"tensor '{name}': shape [{string.Join(",", shape)}] overflows (more than 2^63 elements)");
        if (offsets.Count != 2)
            throw Bad(offsetsAt, $"tensor '{name}': data_offsets must be [begin, end], got {offsets.Count} numbers");
        long begin = offsets[0], end = offsets[1];
        if (begin > end) throw Bad(offsetsAt, $"tensor '{name}': data_offsets [{begin}, {end}] has begin after end");
        if (end > dataLen)
            throw Bad(offsetsAt, $"tensor '{name}': data_offsets [{begin}, {end}] reach outside the {dataLen}-byte data section (truncated file?)");
        long need = count <= long.MaxValue / type.Size() ? count * type.Size()
            : throw Bad(shapeAt, $"tensor '{name}': shape [{string.Join(",", shape)}] of {type.Name()} overflows the byte size");
        if (end - begin != need)
            throw Bad(offsetsAt, $"tensor '{name}': [{string.Join(",", shape)}] of {type.Name()} needs {need} bytes, data_offsets [{begin}, {end}] give {end - begin}");
        return new Entry(name, type, [.. shape], begin, end);
    }

    private static List<long> ReadNonNegativeInts(ref Utf8JsonReader r, long at, string what, Func<long, string, FileFormatException> Bad)
    {
        if (r.TokenType != JsonTokenType.StartArray) throw Bad(at, $"{what} must be an array of non-negative integers");
        var list = new List<long>();
        while (Next(ref r) != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out long v) || v < 0)
                throw Bad(HeaderStart + r.TokenStartIndex, $"{what} must be an array of non-negative integers (element {list.Count} is not)");
            list.Add(v);
        }
        return list;
    }

    // ---------------------------------------------------------------- writing

    /// <summary>Writes the file atomically (temp file + rename, see <see cref="AtomicFile"/>),
    /// streaming the tensors' bytes. Bad input (duplicate names, ...) throws before the disk is touched.</summary>
    public static void Write(string path, IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var (list, header) = Header(tensors, metadata);
        AtomicFile.Write(path, s => WriteTo(s, list, header));
    }

    /// <summary>The exact bytes <see cref="Write"/> puts in the file.</summary>
    public static byte[] Serialize(IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var (list, header) = Header(tensors, metadata);
        long total = HeaderStart + header.Length + list.Sum(t => (long)t.Bytes.Length);
        if (total > Array.MaxLength) throw new ArgumentException($"{total} bytes do not fit one array; use Write, which streams");
        using var ms = new MemoryStream((int)total);
        WriteTo(ms, list, header);
        return ms.ToArray();
    }

    /// <summary>Writes the file's bytes to a stream (not atomically; prefer <see cref="Write"/>).</summary>
    public static void WriteTo(Stream stream, IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var (list, header) = Header(tensors, metadata);
        WriteTo(stream, list, header);
    }

    private static void WriteTo(Stream s, List<TensorData> sorted, byte[] header)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
        s.Write(prefix);
        s.Write(header);
        foreach (var t in sorted) s.Write(t.Bytes);
    }

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Quotes as \" and non-ASCII text as UTF-8, like the reference writer, so a header is readable
        // with `head -c`; still strict JSON (the "unsafe" only concerns embedding in HTML).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Validates the input and builds the padded header; returns the tensors in file order.</summary>
    private static (List<TensorData> Sorted, byte[] Header) Header(IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        TensorData.EnsureLittleEndian();
        var list = tensors.ToList();
        if (list.Any(t => t is null)) throw new ArgumentException("a tensor in the list is null", nameof(tensors));
        list.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        for (int i = 0; i < list.Count; i++)
        {
            if (list[i].Name == "__metadata__") throw new ArgumentException("a tensor may not be named '__metadata__'", nameof(tensors));
            if (i > 0 && list[i].Name == list[i - 1].Name) throw new ArgumentException($"tensor name '{list[i].Name}' appears twice", nameof(tensors));
        }
        var buf = new ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buf, WriterOptions))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var kv in metadata.OrderBy(k => k.Key, StringComparer.Ordinal))
                    w.WriteString(kv.Key, kv.Value ?? throw new ArgumentException($"metadata value of '{kv.Key}' is null", nameof(metadata)));
                w.WriteEndObject();
            }
            long at = 0;
            foreach (var t in list)
            {
                w.WriteStartObject(t.Name);
                w.WriteString("dtype", t.DType.Name());
                w.WriteStartArray("shape");
                foreach (var d in t.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(at);
                w.WriteNumberValue(at += t.Bytes.Length);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        int padded = (buf.WrittenCount + 7) / 8 * 8;
        if (padded > MaxHeader) throw new ArgumentException($"the header would be {padded} bytes, over the {MaxHeader}-byte limit readers accept");
        var header = new byte[padded];
        buf.WrittenSpan.CopyTo(header);
        header.AsSpan(buf.WrittenCount).Fill((byte)' ');
        return (list, header);
    }
}
