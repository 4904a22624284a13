using System.Text;
using System.Text.Json;

namespace EMamba.Core;

/// <summary>The Hugging Face safetensors format: u64 little-endian header length, a JSON header
/// (name -> dtype, shape, data_offsets; optional string map "__metadata__"), then the raw data.
/// Reading validates everything before allocating: header length against the file and a cap,
/// dtypes, shapes (checked arithmetic), offsets in range, sizes matching shapes, no overlaps, no
/// holes (the data section must be covered exactly, as the reference implementation requires).</summary>
public sealed class SafetensorsFile
{
    public const long MaxHeader = 100_000_000;
    private readonly Dictionary<string, TensorData> byName;

    public string Source { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyList<TensorData> Tensors { get; }

    private SafetensorsFile(string source, IReadOnlyDictionary<string, string> meta, List<TensorData> tensors)
    {
        Source = source; Metadata = meta; Tensors = tensors;
        byName = tensors.ToDictionary(t => t.Name, StringComparer.Ordinal);
    }

    public bool Contains(string name) => byName.ContainsKey(name);

    public TensorData this[string name] => byName.TryGetValue(name, out var t) ? t
        : throw new EMambaException($"{Source}: no tensor '{name}' (it has {Tensors.Count}: {string.Join(", ", Tensors.Take(5).Select(x => x.Name))}{(Tensors.Count > 5 ? ", ..." : "")})");

    public static SafetensorsFile Read(string path)
    {
        if (!File.Exists(path)) throw new EMambaException($"{path}: file not found");
        long len = new FileInfo(path).Length;
        if (len > int.MaxValue) throw new FileFormatException(path, 0, $"file of {len} bytes is over the 2 GiB this reader supports");
        return Parse(File.ReadAllBytes(path), path);
    }

    public static SafetensorsFile Parse(byte[] bytes, string source)
    {
        FileFormatException Bad(long at, string what) => new(source, at, what);
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("safetensors I/O assumes a little-endian host");
        if (bytes.Length < 8) throw Bad(0, $"file is {bytes.Length} bytes; a safetensors file starts with an 8-byte header length");
        ulong n = BitConverter.ToUInt64(bytes, 0);
        if (n > MaxHeader) throw Bad(0, $"header length {n} exceeds the {MaxHeader}-byte limit");
        if ((long)n > bytes.Length - 8) throw Bad(0, $"header length {n} runs past the end of the {bytes.Length}-byte file (truncated?)");
        long dataStart = 8 + (long)n, dataLen = bytes.Length - dataStart;
        JsonDocument doc;
        try { doc = JsonDocument.Parse(new ReadOnlyMemory<byte>(bytes, 8, (int)n)); }
        catch (JsonException e) { throw Bad(8, $"header is not valid JSON: {e.Message}"); }
        catch (ArgumentException e) { throw Bad(8, $"header is not valid UTF-8 JSON: {e.Message}"); }
        using (doc)
        {
            try { return FromHeader(doc, bytes, source, dataStart, dataLen, Bad); }
            // Names and values are decoded lazily; invalid UTF-8 inside a string surfaces here.
            catch (InvalidOperationException e) { throw Bad(8, $"header holds invalid text: {e.Message}"); }
        }
    }

    private static SafetensorsFile FromHeader(JsonDocument doc, byte[] bytes, string source, long dataStart, long dataLen,
        Func<long, string, FileFormatException> Bad)
    {
        if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(8, "header must be a JSON object");
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        var spans = new List<(long Begin, long End, TensorData T)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (!seen.Add(p.Name)) throw Bad(8, $"duplicate entry '{p.Name}' in the header");
            if (p.Name == "__metadata__")
            {
                if (p.Value.ValueKind != JsonValueKind.Object) throw Bad(8, "__metadata__ must be an object of strings");
                foreach (var m in p.Value.EnumerateObject())
                {
                    if (m.Value.ValueKind != JsonValueKind.String) throw Bad(8, $"__metadata__ value '{m.Name}' is not a string");
                    meta[m.Name] = m.Value.GetString()!;
                }
                continue;
            }
            spans.Add(Entry(p, bytes, dataStart, dataLen, Bad));
        }
        spans.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        long at = 0;
        foreach (var (b, e, t) in spans)
        {
            if (b < at) throw Bad(dataStart + b, $"tensor '{t.Name}' overlaps the previous tensor");
            if (b > at) throw Bad(dataStart + at, $"{b - at} bytes before tensor '{t.Name}' belong to no tensor");
            at = e;
        }
        if (at != dataLen) throw Bad(dataStart + at, $"{dataLen - at} bytes after the last tensor belong to no tensor");
        return new SafetensorsFile(source, meta, spans.OrderBy(s => s.T.Name, StringComparer.Ordinal).Select(s => s.T).ToList());
    }

    private static (long, long, TensorData) Entry(JsonProperty p, byte[] bytes, long dataStart, long dataLen, Func<long, string, FileFormatException> Bad)
    {
        var v = p.Value;
        string name = p.Name;
        if (v.ValueKind != JsonValueKind.Object) throw Bad(8, $"tensor '{name}': entry must be an object");
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String || !TensorDTypes.TryParse(dt.GetString()!, out var dtype))
            throw Bad(8, $"tensor '{name}': missing or unknown dtype");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array) throw Bad(8, $"tensor '{name}': missing shape");
        var shape = new List<long>();
        long count = 1;
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long x) || x < 0) throw Bad(8, $"tensor '{name}': shape entries must be non-negative integers");
            shape.Add(x);
            try { count = checked(count * x); } catch (OverflowException) { throw Bad(8, $"tensor '{name}': shape overflows"); }
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw Bad(8, $"tensor '{name}': data_offsets must be [begin, end]");
        long[] o = off.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long x) ? x : -1).ToArray();
        if (o[0] < 0 || o[1] < o[0] || o[1] > dataLen)
            throw Bad(8, $"tensor '{name}': data_offsets [{o[0]}, {o[1]}] outside the {dataLen}-byte data section");
        long need;
        try { need = checked(count * dtype.Size()); } catch (OverflowException) { throw Bad(8, $"tensor '{name}': size overflows"); }
        if (o[1] - o[0] != need)
            throw Bad(dataStart + o[0], $"tensor '{name}': [{string.Join(",", shape)}] of {dtype.Name()} needs {need} bytes, offsets give {o[1] - o[0]}");
        var data = bytes.AsSpan((int)(dataStart + o[0]), (int)need).ToArray();
        return (o[0], o[1], new TensorData(name, dtype, [.. shape], data));
    }

    /// <summary>Deterministic bytes: tensors sorted by name, header padded with spaces to 8 bytes.</summary>
    public static byte[] Serialize(IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        var dup = list.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup != null) throw new ArgumentException($"tensor name '{dup.Key}' appears twice");
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject("__metadata__");
                foreach (var kv in metadata.OrderBy(k => k.Key, StringComparer.Ordinal)) w.WriteString(kv.Key, kv.Value);
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
                w.WriteNumberValue(at + t.Bytes.Length);
                w.WriteEndArray();
                w.WriteEndObject();
                at += t.Bytes.Length;
            }
            w.WriteEndObject();
        }
        var header = ms.ToArray().ToList();
        while (header.Count % 8 != 0) header.Add((byte)' ');
        var outp = new MemoryStream();
        outp.Write(BitConverter.GetBytes((ulong)header.Count));
        outp.Write(header.ToArray());
        foreach (var t in list) outp.Write(t.Bytes);
        return outp.ToArray();
    }

    public static void Write(string path, IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var bytes = Serialize(tensors, metadata);
        AtomicFile.Write(path, s => s.Write(bytes));
    }
}
