using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EMamba.Core;
using EMamba.Core.Integer;
using EMamba.Data;

namespace EMamba.Engine.Stages;

/// <summary>Golden vectors for an RTL testbench (docs/integer.md §19): for the first K samples of a
/// split, the input codes, every traced intermediate tensor and the outputs of the integer reference,
/// one <c>$readmemh</c> hex file per tensor under <c>sample_NNNN/</c>, and a <c>manifest.json</c> with
/// each tensor's name, tokens, shape, domain and file, and the model file's SHA-256. The folder is
/// written beside the target and renamed into place, so a failed run leaves nothing half written.</summary>
public static class GoldenStage
{
    public const string FormatTag = "emamba-golden/1";
    public const int MaxCount = 10_000;
    public const string ManifestName = "manifest.json";

    public sealed record Request(string Model, int Count, string Out, string Split = "test", string? Data = null, bool Force = false, IStageObserver? Observer = null);

    /// <param name="Tensors">tensor files per sample</param>
    public sealed record Result(string Out, int Samples, int Tensors, long Bytes, string ModelSha256, double Seconds);

    public static Result Run(Request q, CancellationToken ct = default)
    {
        var obs = q.Observer ?? SilentStageObserver.Instance;
        if (q.Count < 1 || q.Count > MaxCount) throw new EMambaException($"--count {q.Count} must be in 1..{MaxCount}", ExitCodes.Usage);
        string dir = Path.GetFullPath(q.Out);
        CheckTarget(dir, q.Force);
        if (!File.Exists(q.Model)) throw new EMambaException($"{q.Model}: model file not found", ExitCodes.BadInput);
        var sw = Stopwatch.StartNew();
        var file = QuantFile.Load(q.Model);
        var m = file.Model;
        var cfg = m.Config;
        if (cfg.Head == Head.Lm) throw new EMambaException($"{q.Model}: golden vectors are made for vision and radar models; language models are not supported yet", ExitCodes.Usage);
        var ds = SplitChecks.NonEmpty(TaskData.First(TaskData.Split(new RunConfig { Model = cfg }, q.Data, q.Split), q.Count), q.Split);
        var norm = Normalizer.Parse(m.Normalizer, cfg.InChannels);
        if (ds.Count < q.Count) obs.Info($"the {q.Split} split holds {ds.Count:N0} samples; writing all of them");
        string sha = FileSha256(q.Model);
        var layout = Trace.Layouts(m);

        string tmp = dir + ".tmp-" + Environment.ProcessId;
        long bytes = 0;
        try
        {
            if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true);
            Directory.CreateDirectory(tmp);
            List<string>? order = null;
            obs.Info($"writing golden vectors of {ds.Count:N0} {q.Split} samples to {dir}");
            for (int i = 0; i < ds.Count; i++)
            {
                ct.ThrowIfCancellationRequested();
                var codes = Samples.Codes(Samples.Normalised(ds, i, norm), m.Input);
                var byName = Group(Trace.Of(m, codes));
                // Every sample has the same tensors in the same order (the manifest lists them once).
                order ??= [.. byName.Keys];
                if (!order.SequenceEqual(byName.Keys)) throw new InvalidOperationException($"golden: sample {i} traced other tensors than sample 0");
                string sd = Path.Combine(tmp, SampleDir(i));
                Directory.CreateDirectory(sd);
                foreach (var (name, values) in byName) bytes += WriteHex(Path.Combine(sd, name + ".hex"), values, layout[name].Domain, name);
            }
            var manifest = Manifest(q, file.Metadata, sha, ds, layout, order!, cfg.Tokens);
            File.WriteAllText(Path.Combine(tmp, ManifestName), manifest.ToJsonString(ManifestJson) + "\n");
            Replace(tmp, dir);
            return new Result(dir, ds.Count, order!.Count, bytes, sha, sw.Elapsed.TotalSeconds);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EMambaException($"could not write {dir}: {e.Message}", ExitCodes.Io, e);
        }
        finally
        {
            try { if (Directory.Exists(tmp)) Directory.Delete(tmp, recursive: true); }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
    }

    // Indented and without escaping quotes and apostrophes: the manifest is read by people and scripts.
    private static readonly JsonSerializerOptions ManifestJson = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string SampleDir(int i) => $"sample_{i:D4}";

    /// <summary>Hex digits per value: the domain's width rounded up to whole nibbles.</summary>
    public static int Digits(Domain d) => (d.Bits + 3) / 4;

    /// <summary>One code as <c>$readmemh</c> text: two's complement at the domain's width (unsigned
    /// domains as is), lower-case, zero-padded to <see cref="Digits"/>. A code outside its domain
    /// would mean the reference broke its own saturation, so it is an internal error, not clipped.</summary>
    public static string Hex(long v, Domain d, string name = "")
    {
        if (v < d.Min || v > d.Max) throw new InvalidOperationException($"golden: '{name}' holds {v}, outside its domain {d}");
        ulong u = (ulong)v & (d.Bits >= 64 ? ulong.MaxValue : (1UL << d.Bits) - 1);
        return u.ToString("x" + Digits(d), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Reads a hex value back into a code of <paramref name="d"/> (sign-extended when signed).</summary>
    public static long ParseHex(string text, Domain d)
    {
        ulong u = ulong.Parse(text, System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture);
        if (!d.Unsigned && (u >> (d.Bits - 1) & 1) == 1) return (long)u - (1L << d.Bits);
        return (long)u;
    }

    // Refuses to replace anything but an earlier golden folder (or an empty one), and that only with --force.
    private static void CheckTarget(string dir, bool force)
    {
        if (File.Exists(dir)) throw new EMambaException($"{dir}: is a file; --out must be a folder", ExitCodes.Usage);
        if (!Directory.Exists(dir)) return;
        if (!force) throw new EMambaException($"{dir}: already exists; pass --force to replace it", ExitCodes.Usage);
        if (Directory.EnumerateFileSystemEntries(dir).Any() && !File.Exists(Path.Combine(dir, ManifestName)))
            throw new EMambaException($"{dir}: is not a golden-vector folder (no {ManifestName}); --force replaces only those", ExitCodes.Usage);
    }

    // The old folder is moved aside first, so the target name always holds a complete set.
    private static void Replace(string tmp, string dir)
    {
        string? parent = Path.GetDirectoryName(dir);
        if (!string.IsNullOrEmpty(parent)) Directory.CreateDirectory(parent);
        if (!Directory.Exists(dir)) { Directory.Move(tmp, dir); return; }
        string old = dir + ".old-" + Environment.ProcessId;
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
        Directory.Move(dir, old);
        Directory.Move(tmp, dir);
        Directory.Delete(old, recursive: true);
    }

    // Per name, the codes of all its tokens in token order (the trace is in pipeline order).
    private static Dictionary<string, List<long>> Group(IReadOnlyList<Trace.Entry> trace)
    {
        var d = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        foreach (var e in trace)
        {
            if (!d.TryGetValue(e.Name, out var l)) d[e.Name] = l = [];
            l.AddRange(e.Codes);
        }
        return d;
    }

    private static long WriteHex(string path, List<long> values, Domain d, string name)
    {
        var sb = new StringBuilder(values.Count * (Digits(d) + 1));
        foreach (var v in values) sb.Append(Hex(v, d, name)).Append('\n');
        var bytes = Encoding.ASCII.GetBytes(sb.ToString());
        File.WriteAllBytes(path, bytes);
        return bytes.Length;
    }

    private static JsonObject Manifest(Request q, IReadOnlyDictionary<string, string> meta, string sha, IDataset ds, Dictionary<string, Trace.Layout> layout, List<string> order, int tokens)
    {
        return new JsonObject
        {
            ["format"] = FormatTag,
            ["model"] = new JsonObject
            {
                ["path"] = q.Model, ["sha256"] = sha,
                ["checksum"] = meta.TryGetValue("checksum", out var c) ? c : null,
                ["tokens"] = tokens,
            },
            ["split"] = q.Split,
            ["data"] = ds.Source,
            ["hex"] = "one value per line, two's complement at the domain's width in ceil(bits/4) lower-case digits; tokens outermost, then row-major",
            ["tensors"] = new JsonArray([.. order.Select(name =>
            {
                var l = layout[name];
                int t = l.PerToken ? tokens : 1;
                int[] shape = l.PerToken ? [t, .. l.Shape] : l.Shape;
                return (JsonNode)new JsonObject
                {
                    ["name"] = name, ["per_token"] = l.PerToken, ["tokens"] = t,
                    ["shape"] = new JsonArray([.. shape.Select(s => (JsonNode)s)]),
                    ["values"] = shape.Aggregate(1L, (a, s) => a * s),
                    ["domain"] = new JsonObject { ["bits"] = l.Domain.Bits, ["frac"] = l.Domain.Frac, ["signed"] = !l.Domain.Unsigned },
                    ["digits"] = Digits(l.Domain),
                    ["file"] = name + ".hex",
                };
            })]),
            ["samples"] = new JsonArray([.. Enumerable.Range(0, ds.Count).Select(i => (JsonNode)new JsonObject { ["index"] = i, ["dir"] = SampleDir(i) })]),
        };
    }

    private static string FileSha256(string path)
    {
        using var s = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(s));
    }
}
