using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace EMamba.Core.Integer;

/// <summary>The quantized-model file, <c>emamba-int/1</c> (docs/integer.md §15): safetensors with
/// integer tensors only (int8 weights, int64 biases and per-row multipliers, int32 fracs and shifts,
/// PWL knots and values) and, in <c>__metadata__</c>, the model config, the domain (frac, bits,
/// signedness) of every boundary, the precision configuration and the calibration record, plus a
/// SHA-256 over everything else. Loading checks the checksum, every shape, dtype and width, and the
/// doc's overflow bounds, so a hostile file is refused with a message naming it before any use.</summary>
public static class QuantFile
{
    public const string FormatTag = "emamba-int/1";

    /// <summary>Largest accumulator magnitude a layer may need (doc §2): held exactly in a long, with
    /// room for the requantization multiply.</summary>
    public const int MaxAccBits = 48;

    // ------------------------------------------------------------ writing

    public static void Write(string path, IntModel m, string precisionJson, string calibrationJson, string source)
    {
        var (tensors, domains) = Flatten(m);
        var meta = new Dictionary<string, string>
        {
            ["format"] = FormatTag,
            ["config"] = JsonSerializer.Serialize(m.Config, RunConfig.Json),
            ["normalizer"] = m.Normalizer,
            ["domains"] = domains.ToJsonString(),
            ["precision"] = precisionJson,
            ["calibration"] = calibrationJson,
            ["source"] = source,
        };
        meta["checksum"] = Checksum(tensors, meta);
        SafetensorsFile.Write(path, tensors, meta);
    }

    private static (List<TensorData>, JsonObject) Flatten(IntModel m)
    {
        var t = new List<TensorData>();
        var dom = new JsonObject();
        void D(string name, Domain d) => dom[name] = new JsonObject { ["frac"] = d.Frac, ["bits"] = d.Bits, ["unsigned"] = d.Unsigned };
        void Lin(IntLinear l)
        {
            t.Add(TensorData.FromInt8(l.Name + ".weight", l.Weight, l.OutFeatures, l.InFeatures));
            t.Add(TensorData.FromInt32(l.Name + ".weight_frac", l.WeightFrac, l.OutFeatures));
            if (l.Bias.Length > 0) t.Add(TensorData.FromInt64(l.Name + ".bias", l.Bias, l.TokenBias ? [l.Tokens, l.OutFeatures] : [l.OutFeatures]));
            t.Add(TensorData.FromInt64(l.Name + ".mult", l.Mult, l.OutFeatures));
            t.Add(TensorData.FromInt32(l.Name + ".shift", l.Shift, l.OutFeatures));
            D(l.Name + ".in", l.In); D(l.Name + ".out", l.Out);
        }
        void Norm(IntRangeNorm n)
        {
            t.Add(TensorData.FromInt8(n.Name + ".gamma", n.Gamma, n.Width));
            t.Add(TensorData.FromInt64(n.Name + ".beta", n.Beta, n.Width));
            D(n.Name + ".in", n.In); D(n.Name + ".out", n.Out); D(n.Name + ".gamma", new Domain(n.GammaFrac, 8));
        }
        void Pwl(IntPwl p)
        {
            t.Add(TensorData.FromInt64(p.Name + ".knots", p.Knots, p.Knots.Length));
            t.Add(TensorData.FromInt64(p.Name + ".values", p.Values, p.Values.Length));
            t.Add(TensorData.FromInt64(p.Name + ".tails", [p.BelowSlope, p.AboveSlope, p.Lo, p.Hi], 4));
            D(p.Name + ".in", p.In); D(p.Name + ".out", p.Out);
        }
        if (m.Embed != null) D("input", m.Input);   // a language model reads token ids: it has no input domain (Read gives it none)
        D("output", m.Output);
        if (m.Embed != null) Lin(m.Embed);
        if (m.TokenEmbedding != null) { t.Add(TensorData.FromInt8("embedding", m.TokenEmbedding, m.Config.Vocab, m.Config.EmbedWidth)); D("embedding", new Domain(m.TokenEmbeddingFrac, 8)); }
        if (m.EmbedIn != null) Lin(m.EmbedIn);
        foreach (var b in m.Blocks)
        {
            string p = $"blocks.{b.Index}.";
            Norm(b.Norm); Lin(b.InProj); Lin(b.XProj); Lin(b.DtProj); Lin(b.OutProj);
            t.Add(TensorData.FromInt8(b.Conv.Name + ".weight", b.Conv.Weight, b.Conv.Channels, b.Conv.Kernel));
            t.Add(TensorData.FromInt32(b.Conv.Name + ".weight_frac", b.Conv.WeightFrac, b.Conv.Channels));
            t.Add(TensorData.FromInt64(b.Conv.Name + ".bias", b.Conv.Bias, b.Conv.Channels));
            t.Add(TensorData.FromInt64(b.Conv.Name + ".mult", b.Conv.Mult, b.Conv.Channels));
            t.Add(TensorData.FromInt32(b.Conv.Name + ".shift", b.Conv.Shift, b.Conv.Channels));
            if (b.ConvSilu != null) Pwl(b.ConvSilu);
            Pwl(b.Exp); Pwl(b.Silu);
            t.Add(TensorData.FromInt64(p + "a", b.ANeg, b.DInner, b.DState));
            t.Add(TensorData.FromInt8(p + "D", b.DSkip, b.DInner));
            D(p + "u0", b.U0); D(p + "z", b.Z); D(p + "uc", b.Conv.Out); D(p + "u", b.U); D(p + "dt", b.Dt); D(p + "B", b.B); D(p + "C", b.C);
            D(p + "a", b.A); D(p + "e", b.ExpIn); D(p + "h", b.State); D(p + "D", new Domain(b.DFrac, 8)); D(p + "y", b.Y);
            D(p + "g", b.Gate); D(p + "r", b.Residual);
        }
        Norm(m.FinalNorm);
        if (m.EmbedOut != null) Lin(m.EmbedOut);
        if (m.Head != null) Lin(m.Head);
        return (t, dom);
    }

    /// <summary>SHA-256 (hex) over the metadata (sorted keys, "checksum" excluded) and every tensor's
    /// name, dtype, shape and bytes in name order.</summary>
    public static string Checksum(IEnumerable<TensorData> tensors, IReadOnlyDictionary<string, string> meta)
    {
        using var h = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void S(string s) { var b = Encoding.UTF8.GetBytes(s); h.AppendData(BitConverter.GetBytes(b.Length)); h.AppendData(b); }
        foreach (var (k, v) in meta.Where(kv => kv.Key != "checksum").OrderBy(kv => kv.Key, StringComparer.Ordinal)) { S(k); S(v); }
        foreach (var t in tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            S(t.Name); S(t.DType.Name()); S(string.Join(",", t.Shape)); h.AppendData(t.Bytes);
        }
        return Convert.ToHexStringLower(h.GetHashAndReset());
    }

    // ------------------------------------------------------------ reading

    public static IntModel Read(string path) => Load(path).Model;

    /// <summary>A read file: the model and the file's metadata (provenance, checksum), from one read.</summary>
    public sealed record Loaded(IntModel Model, IReadOnlyDictionary<string, string> Metadata)
    {
        /// <summary>The float checkpoint and PWL tables the file was quantized from (metadata "source"), when recorded.</summary>
        public (string Model, string? Approx)? FloatSource =>
            Metadata.TryGetValue("source", out var json) && JsonNode.Parse(json) is JsonObject o && o["model"]?.GetValue<string>() is { } model
                ? (model, o["approx"]?.GetValue<string>()) : null;
    }

    public static Loaded Load(string path)
    {
        var f = SafetensorsFile.Read(path);
        string Meta(string k) => f.Metadata.TryGetValue(k, out var v) ? v : throw Bad(path, $"metadata has no '{k}'");
        if (!f.Metadata.TryGetValue("format", out var fmt) || fmt != FormatTag)
            throw Bad(path, $"not an eMamba quantized model (metadata 'format' is '{Shown.Value(fmt ?? "missing")}', expected '{FormatTag}'{(fmt == "emamba-float/1" ? "; this is a float checkpoint: quantize it with 'emamba quantize'" : "")})");
        if (Checksum(f.Tensors, f.Metadata) != Meta("checksum"))
            throw Bad(path, "checksum mismatch: the file was changed or damaged after it was written");
        var cfg = RunConfig.ModelFromJson(Meta("config"), path + " (metadata 'config')");
        var r = new Reader(path, f, ParseDomains(path, Meta("domains")));
        return new Loaded(r.Model(cfg, Meta("normalizer")), f.Metadata);
    }

    private static EMambaException Bad(string path, string problem) => new($"{path}: {problem}", ExitCodes.BadInput);

    private static Dictionary<string, Domain> ParseDomains(string path, string json)
    {
        var d = new Dictionary<string, Domain>(StringComparer.Ordinal);
        JsonObject? o;
        try { o = JsonNode.Parse(json) as JsonObject; }
        catch (JsonException e) { throw Bad(path, $"metadata 'domains' is not JSON: {e.Message}"); }
        if (o is null) throw Bad(path, "metadata 'domains' is not a JSON object");
        foreach (var (k, v) in o)
        {
            try
            {
                var frac = v!["frac"]!.GetValue<int>(); var bits = v["bits"]!.GetValue<int>(); var u = v["unsigned"]!.GetValue<bool>();
                if (bits < 2 || bits > 32) throw Bad(path, $"domain '{Shown.Value(k)}': bits {bits} must be in 2..32");
                if (frac < -32 || frac > 48) throw Bad(path, $"domain '{Shown.Value(k)}': frac {frac} must be in -32..48");
                d[k] = new Domain(frac, bits, u);
            }
            catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException)
            { throw Bad(path, $"domain '{Shown.Value(k)}' must be {{\"frac\": int, \"bits\": int, \"unsigned\": bool}}"); }
        }
        return d;
    }

    /// <summary>Reads tensors and domains by name with every check of the format.</summary>
    private sealed class Reader(string path, SafetensorsFile f, Dictionary<string, Domain> dom)
    {
        private Domain Dom(string name) => dom.TryGetValue(name, out var d) ? d : throw Bad(path, $"metadata 'domains' has no '{name}'");

        private TensorData T(string name, TensorDType dt, params long[] shape)
        {
            var t = f[name];
            if (t.DType != dt) throw Bad(path, $"tensor '{name}' is {t.DType.Name()}, expected {dt.Name()}");
            if (!t.Shape.SequenceEqual(shape)) throw Bad(path, $"tensor '{name}' has shape [{string.Join(",", t.Shape)}], the model needs [{string.Join(",", shape)}]");
            return t;
        }

        private void Range(string name, IEnumerable<long> v, long lo, long hi, string what)
        {
            foreach (var x in v) if (x < lo || x > hi) throw Bad(path, $"tensor '{name}': {what} {x} is outside {lo}..{hi}");
        }

        private long[] I64(string name, long lo, long hi, string what, params long[] shape)
        {
            var v = T(name, TensorDType.I64, shape).AsInt64(); Range(name, v, lo, hi, what); return v;
        }

        private int[] I32(string name, int lo, int hi, string what, params long[] shape)
        {
            var v = T(name, TensorDType.I32, shape).AsInt32(); Range(name, v.Select(x => (long)x), lo, hi, what); return v;
        }

        /// <summary>doc §2's bound: |acc| &lt;= max|x| x sum|w| + |bias| must fit <see cref="MaxAccBits"/> bits.</summary>
        private void Bound(string name, Domain input, ReadOnlySpan<sbyte> w, int rows, int cols, long[] bias, int biasRows, long[] mult)
        {
            long xmax = Math.Max(Math.Abs(input.Min), Math.Abs(input.Max));
            for (int j = 0; j < rows; j++)
            {
                long s = 0;
                for (int i = 0; i < cols; i++) s += Math.Abs((long)w[j * cols + i]);
                long b = 0;
                for (int t = 0; t < biasRows; t++) if (bias.Length > 0) b = Math.Max(b, Math.Abs(bias[t * rows + j]));
                var acc = (Int128)xmax * s + b;
                if (acc >= (Int128)1 << MaxAccBits) throw Bad(path, $"{name}: row {j}'s accumulator can reach {acc}, beyond the {MaxAccBits}-bit bound of the format");
                if (acc * mult[j] >= (Int128)1 << 62) throw Bad(path, $"{name}: row {j}'s accumulator times its multiplier {mult[j]} can exceed 62 bits");
            }
        }

        public IntLinear Linear(string name, int inF, int outF, bool tokenBias = false, int tokens = 1, bool requireBias = false)
        {
            var w = T(name + ".weight", TensorDType.I8, outF, inF).AsInt8();
            var wf = I32(name + ".weight_frac", -32, 48, "weight frac", outF);
            long[] bias = [];
            if (f.Contains(name + ".bias") || requireBias)
                bias = I64(name + ".bias", -(1L << 40), 1L << 40, "bias", tokenBias ? [tokens, outF] : [outF]);
            var mult = I64(name + ".mult", 1, 1L << 31, "multiplier", outF);
            var shift = I32(name + ".shift", -31, 62, "shift", outF);
            var inD = Dom(name + ".in"); var outD = Dom(name + ".out");
            Bound(name, inD, w, outF, inF, bias, tokenBias ? tokens : 1, mult);
            return new IntLinear(name, inF, outF, w, wf, bias, mult, shift, inD, outD, tokenBias);
        }

        public IntRangeNorm Norm(string name, int d)
        {
            var g = T(name + ".gamma", TensorDType.I8, d).AsInt8();
            var b = I64(name + ".beta", -(1L << 40), 1L << 40, "beta", d);
            var inD = Dom(name + ".in");
            if (inD.Bits > 16) throw Bad(path, $"{name}: input width {inD.Bits} exceeds the range norm's 16-bit table");
            return new IntRangeNorm(name, d, g, Dom(name + ".gamma").Frac, b, IntOps.NormRecipTable(d, inD.Bits), inD, Dom(name + ".out"));
        }

        public IntPwl Pwl(string name)
        {
            long n = f[name + ".knots"].ElementCount;
            if (n < 2 || n > 1024) throw Bad(path, $"tensor '{name}.knots': {n} knots, expected 2..1024");
            var k = I64(name + ".knots", -(1L << 40), 1L << 40, "knot", n);
            for (int i = 1; i < k.Length; i++) if (k[i] <= k[i - 1]) throw Bad(path, $"tensor '{name}.knots': knots must increase strictly (index {i})");
            var inD = Dom(name + ".in"); var outD = Dom(name + ".out");
            var v = I64(name + ".values", outD.Min, outD.Max, "value", n);
            var tails = I64(name + ".tails", -(1L << 40), 1L << 40, "tail", 4);
            if (tails[2] < outD.Min || tails[3] > outD.Max || tails[2] > tails[3]) throw Bad(path, $"tensor '{name}.tails': clamp [{tails[2]}, {tails[3]}] is not within the output domain {outD}");
            var slopes = new long[k.Length - 1];
            for (int j = 0; j < slopes.Length; j++) slopes[j] = IntOps.RoundDiv((v[j + 1] - v[j]) << IntOps.SlopeFrac, k[j + 1] - k[j]);
            return new IntPwl(name, k, v, slopes, tails[0], tails[1], tails[2], tails[3], inD, outD);
        }

        /// <summary>doc §9-§14's bounds on the aligned terms: each must stay within 62 bits.</summary>
        private void CheckScan(IntBlock b)
        {
            string p = $"blocks.{b.Index}.";
            static int Log2(long v) => v <= 1 ? 0 : 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)(v - 1));
            static long Mag(Domain d) => Math.Max(Math.Abs(d.Min), Math.Abs(d.Max));
            void Fits(string what, int bits, int shift)
            {
                if (bits + Math.Max(shift, 0) > 62) throw Bad(path, $"{p}{what}: a {bits}-bit term shifted left by {shift} exceeds 62 bits (the domains are inconsistent)");
            }
            Domain dl = b.DtProj.Out, ab = b.Exp.Out;
            if (!dl.Unsigned) throw Bad(path, $"domain '{p}dt_proj.out' must be unsigned (ReLU Delta)");
            Fits("Delta B u", Log2(dl.Max) + Log2(Mag(b.B)) + Log2(Mag(b.U)), ab.Frac + b.State.Frac - (dl.Frac + b.B.Frac + b.U.Frac));
            Fits("D u", 8 + Log2(Mag(b.U)), b.C.Frac + b.State.Frac - (b.DFrac + b.U.Frac));
            int m = Math.Max(b.Norm.In.Frac, b.OutProj.Out.Frac);
            Fits("residual x", b.Norm.In.Bits, m - b.Norm.In.Frac);
            Fits("residual o", b.OutProj.Out.Bits, m - b.OutProj.Out.Frac);
            Fits("exp input", Log2(dl.Max) + b.A.Bits, -(dl.Frac + b.A.Frac - b.ExpIn.Frac));
        }

        /// <summary>Where one operation's output is the next one's input, the two domains must be the
        /// same: the engine reads codes by the consumer's domain (the range norm indexes its reciprocal
        /// table by the input's width), and the accumulator bounds above are proved with it.</summary>
        private void CheckLinks(IntModel m)
        {
            void Same(string producer, Domain produced, string consumer, Domain consumed)
            {
                if (produced != consumed) throw Bad(path, $"domain '{consumer}' is {consumed} but it reads '{producer}', which is {produced}; linked domains must be equal");
            }
            // A layer saturates every row at its output width; rows that write other domains must share it.
            void Rows(IntLinear l, params (string Name, Domain D)[] rows)
            {
                foreach (var (n, d) in rows)
                    if (d.Bits != l.Out.Bits || d.Unsigned != l.Out.Unsigned)
                        throw Bad(path, $"domain '{n}' is {d} but {l.Name} saturates its rows at {l.Out}; the rows' domains must share width and signedness");
            }
            string Prev(int i) => i == 0 ? (m.Embed != null ? "embed.out" : m.EmbedIn != null ? "embed_in.out" : "embedding") : $"blocks.{i - 1}.r";
            if (m.Embed != null && m.Blocks.Length > 0) Same("embed.out", m.Embed.Out, "blocks.0.norm.in", m.Blocks[0].Norm.In);
            if (m.TokenEmbedding is { } table)
            {
                // The int8 table feeds embed_in, or the first block directly: its codes must fit that input.
                var first = m.EmbedIn?.In ?? (m.Blocks.Length > 0 ? m.Blocks[0].Norm.In : m.FinalNorm.In);
                foreach (var v in table) if (v < first.Min || v > first.Max) throw Bad(path, $"tensor 'embedding': code {v} does not fit its consumer's input domain {first}");
                if (m.EmbedIn != null && m.Blocks.Length > 0) Same("embed_in.out", m.EmbedIn.Out, "blocks.0.norm.in", m.Blocks[0].Norm.In);
            }
            for (int i = 0; i < m.Blocks.Length; i++)
            {
                var b = m.Blocks[i];
                string p = $"blocks.{i}.";
                if (i > 0) Same(Prev(i), m.Blocks[i - 1].Residual, p + "norm.in", b.Norm.In);
                Same(p + "norm.out", b.Norm.Out, p + "in_proj.in", b.InProj.In);
                Rows(b.InProj, (p + "u0", b.U0), (p + "z", b.Z));
                if (b.ConvSilu is { } cs) { Same(p + "uc", b.Conv.Out, p + "silu_conv.in", cs.In); Same(p + "silu_conv.out", cs.Out, p + "u", b.U); }
                else Same(p + "uc", b.Conv.Out, p + "u", b.U);
                Same(p + "u", b.U, p + "x_proj.in", b.XProj.In);
                Rows(b.XProj, (p + "dt", b.Dt), (p + "B", b.B), (p + "C", b.C));
                Same(p + "dt", b.Dt, p + "dt_proj.in", b.DtProj.In);
                Same(p + "e", b.ExpIn, p + "exp.in", b.Exp.In);
                Same(p + "z", b.Z, p + "silu.in", b.Silu.In);
                Same(p + "g", b.Gate, p + "out_proj.in", b.OutProj.In);
            }
            var last = m.Blocks.Length > 0 ? m.Blocks[^1].Residual : m.Embed?.Out ?? m.FinalNorm.In;
            Same(m.Blocks.Length > 0 ? $"blocks.{m.Blocks.Length - 1}.r" : Prev(0), last, "norm_f.in", m.FinalNorm.In);
            if (m.Head != null)
            {
                // The pooled sum of T tokens is the head's input: norm_f's frac, ceil(log2 T) more bits.
                var nf = m.FinalNorm.Out;
                int t = Math.Max(m.Config.Tokens, 2), need = nf.Bits + 32 - System.Numerics.BitOperations.LeadingZeroCount((uint)(t - 1));   // + ceil(log2 T)
                if (m.Head.In.Frac != nf.Frac || m.Head.In.Unsigned != nf.Unsigned || m.Head.In.Bits < need)
                    throw Bad(path, $"domain 'head.in' is {m.Head.In} but the pooled sum of {m.Config.Tokens} tokens of norm_f ({nf}) needs frac {nf.Frac} and at least {need} bits");
                Same("head.out", m.Head.Out, "output", m.Output);
            }
            if (m.EmbedOut != null) Same("norm_f.out", m.FinalNorm.Out, "embed_out.in", m.EmbedOut.In);
        }

        public IntModel Model(ModelConfig c, string normalizer)
        {
            int d = c.DModel, din = c.DInner, n = c.DState, r = c.DtRankValue, kk = c.DConv;
            bool lm = c.Head == Head.Lm;
            IntLinear? embed = null, embedIn = null, embedOut = null, head = null;
            sbyte[]? table = null; int tableFrac = 0;
            if (!lm) embed = Linear("embed", c.PatchDim, d, tokenBias: true, tokens: c.Tokens, requireBias: true);
            else
            {
                table = T("embedding", TensorDType.I8, c.Vocab, c.EmbedWidth).AsInt8();
                tableFrac = Dom("embedding").Frac;
                if (c.EmbedWidth < d) embedIn = Linear("embed_in", c.EmbedWidth, d);
            }
            var blocks = new IntBlock[c.NLayers];
            for (int i = 0; i < blocks.Length; i++)
            {
                string p = $"blocks.{i}.";
                var conv = new IntConv(p + "conv1d", din, kk, T(p + "conv1d.weight", TensorDType.I8, din, kk).AsInt8(),
                    I32(p + "conv1d.weight_frac", -32, 48, "weight frac", din), I64(p + "conv1d.bias", -(1L << 40), 1L << 40, "bias", din),
                    I64(p + "conv1d.mult", 1, 1L << 31, "multiplier", din), I32(p + "conv1d.shift", -31, 62, "shift", din),
                    Dom(p + "u0"), Dom(p + "uc"));
                var a = Dom(p + "a");
                if (!a.Unsigned) throw Bad(path, $"domain '{p}a' must be unsigned (a = -A > 0)");
                var abar = Dom(p + "exp.out");
                if (!abar.Unsigned || abar.Frac != abar.Bits - 1) throw Bad(path, $"domain '{p}exp.out' must be unsigned with frac = bits - 1 (A_bar's 1.0 = 2^(bits-1)), got {abar}");
                var h = Dom(p + "h");
                if (h.Bits < 8 || h.Bits > 24) throw Bad(path, $"domain '{p}h': state width {h.Bits} must be in 8..24");
                if (abar.Bits > 16) throw Bad(path, $"domain '{p}exp.out': A_bar width {abar.Bits} must be at most 16");
                var blk = new IntBlock(i, Norm(p + "norm", d), Linear(p + "in_proj", d, 2 * din), Dom(p + "u0"), Dom(p + "z"),
                    conv, c.ConvSilu ? Pwl(p + "silu_conv") : null, Dom(p + "u"), Linear(p + "x_proj", din, r + 2 * n),
                    Dom(p + "dt"), Dom(p + "B"), Dom(p + "C"), Linear(p + "dt_proj", r, din, requireBias: true),
                    I64(p + "a", 0, a.Max, "a code", din, n), a, Dom(p + "e"), Pwl(p + "exp"), h,
                    T(p + "D", TensorDType.I8, din).AsInt8(), Dom(p + "D").Frac, Dom(p + "y"), Pwl(p + "silu"), Dom(p + "g"),
                    Linear(p + "out_proj", din, d), Dom(p + "r"));
                CheckScan(blk);
                blocks[i] = blk;
            }
            var nf = Norm("norm_f", d);
            if (lm && c.EmbedWidth < d) embedOut = Linear("embed_out", d, c.EmbedWidth);
            if (!lm) head = Linear("head", d, c.NumOutputs, requireBias: true);
            var model = new IntModel(c, lm ? default : Dom("input"), embed, table, tableFrac, embedIn, blocks, nf, embedOut, head, Dom("output"), normalizer);
            CheckLinks(model);
            return model;
        }
    }
}
