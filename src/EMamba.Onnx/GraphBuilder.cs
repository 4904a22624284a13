using EMamba.Core.Approx;
using EMamba.Onnx.Proto;

namespace EMamba.Onnx;

/// <summary>Builds an ONNX graph node by node: every call adds one standard op and returns its output's
/// name, so an exporter reads like the forward pass it mirrors. Names are prefixed by the current
/// <see cref="Scope"/> (e.g. "blocks.0.") so a node in a viewer or a profile says which layer it is.
/// Ops whose signature changed across opsets (ReduceMean/Max/Min took axes as an input from 18 on)
/// are written for <see cref="Opset"/>.</summary>
public sealed class GraphBuilder(int opset)
{
    public int Opset { get; } = opset;
    public string Scope { get; set; } = "";

    private readonly List<OnnxNode> nodes = [];
    private readonly List<OnnxTensor> inits = [];
    private readonly HashSet<string> names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> shared = new(StringComparer.Ordinal);

    public IReadOnlyList<OnnxNode> Nodes => nodes;
    public IReadOnlyList<OnnxTensor> Initializers => inits;

    private string Fresh(string stem)
    {
        string s = Scope + stem;
        if (names.Add(s)) return s;
        for (int i = 1; ; i++)
            if (names.Add($"{s}_{i}")) return $"{s}_{i}";
    }

    public void Reserve(string name) => names.Add(name);

    /// <summary>One node; <paramref name="outName"/> fixes the output's name (graph outputs).</summary>
    public string Op(string op, string[] inputs, string stem, OnnxAttr[]? attrs = null, string? outName = null)
    {
        string o = outName ?? Fresh(stem);
        nodes.Add(new OnnxNode(op, "n:" + o, inputs, [o], attrs ?? []));
        return o;
    }

    public string[] OpN(string op, string[] inputs, string stem, int outputs, OnnxAttr[]? attrs = null)
    {
        var o = Enumerable.Range(0, outputs).Select(i => Fresh($"{stem}{i}")).ToArray();
        nodes.Add(new OnnxNode(op, "n:" + o[0], inputs, o, attrs ?? []));
        return o;
    }

    public string Init(OnnxTensor t)
    {
        string n = Fresh(t.Name);
        inits.Add(t with { Name = n });
        return n;
    }

    public string Floats(string stem, long[] dims, ReadOnlySpan<float> v) => Init(OnnxTensor.Floats(stem, dims, v));

    public string Floats(string stem, long[] dims, IEnumerable<double> v) => Floats(stem, dims, [.. v.Select(x => (float)x)]);

    /// <summary>A float scalar, shared by every node that needs the same value.</summary>
    public string Scalar(float v)
    {
        string key = "f:" + BitConverter.SingleToInt32Bits(v);
        if (shared.TryGetValue(key, out var n)) return n;
        var saved = Scope; Scope = "";
        n = Floats("const", [], [v]);
        Scope = saved;
        return shared[key] = n;
    }

    /// <summary>An int64 vector constant (shapes, axes), shared.</summary>
    public string Longs(params long[] v)
    {
        string key = "i:" + string.Join(",", v);
        if (shared.TryGetValue(key, out var n)) return n;
        var saved = Scope; Scope = "";
        n = Init(OnnxTensor.Int64s("shape", [v.Length], v));
        Scope = saved;
        return shared[key] = n;
    }

    public string Add(string a, string b, string stem = "add") => Op("Add", [a, b], stem);
    public string Sub(string a, string b, string stem = "sub") => Op("Sub", [a, b], stem);
    public string Mul(string a, string b, string stem = "mul") => Op("Mul", [a, b], stem);
    public string Div(string a, string b, string stem = "div") => Op("Div", [a, b], stem);
    public string MatMul(string a, string b, string stem = "matmul") => Op("MatMul", [a, b], stem);
    public string Max(string a, string b, string stem = "max") => Op("Max", [a, b], stem);
    public string Min(string a, string b, string stem = "min") => Op("Min", [a, b], stem);
    public string Relu(string a, string stem = "relu") => Op("Relu", [a], stem);
    public string Reshape(string a, long[] shape, string stem = "reshape") => Op("Reshape", [a, Longs(shape)], stem);
    public string Transpose(string a, long[] perm, string stem = "transpose") => Op("Transpose", [a], stem, [new("perm", Ints: perm)]);
    public string Unsqueeze(string a, long axis, string stem = "unsqueeze") => Op("Unsqueeze", [a, Longs(axis)], stem);
    public string Squeeze(string a, long axis, string stem = "squeeze") => Op("Squeeze", [a, Longs(axis)], stem);
    public string Concat(string[] parts, long axis, string stem = "concat") => Op("Concat", parts, stem, [new("axis", I: axis)]);

    /// <summary>Equal parts along <paramref name="axis"/> (opset 13-17: no split input means equal parts).</summary>
    public string[] Split(string a, long axis, int parts, string stem = "split") =>
        Opset >= 18 ? OpN("Split", [a], stem, parts, [new("axis", I: axis), new("num_outputs", I: parts)])
                    : OpN("Split", [a], stem, parts, [new("axis", I: axis)]);

    public string ReduceSum(string a, long axis, bool keep, string stem = "sum") =>
        Op("ReduceSum", [a, Longs(axis)], stem, [new("keepdims", I: keep ? 1 : 0)]);

    private string Reduce(string op, string a, long axis, bool keep, string stem) =>
        Opset >= 18 ? Op(op, [a, Longs(axis)], stem, [new("keepdims", I: keep ? 1 : 0)])
                    : Op(op, [a], stem, [new("axes", Ints: [axis]), new("keepdims", I: keep ? 1 : 0)]);

    public string ReduceMean(string a, long axis, bool keep, string stem = "mean") => Reduce("ReduceMean", a, axis, keep, stem);
    public string ReduceMax(string a, long axis, bool keep, string stem = "rmax") => Reduce("ReduceMax", a, axis, keep, stem);
    public string ReduceMin(string a, long axis, bool keep, string stem = "rmin") => Reduce("ReduceMin", a, axis, keep, stem);

    /// <summary>A piecewise-linear unit (doc approximations, <see cref="PwlRule"/>) as standard ops, on any shape:
    /// y = v_0 + sum_j s_j (clamp(x, lo_j, hi_j) - base_j) over the segments and the two tails. Inside segment j
    /// the sum telescopes to v_j + s_j (x - k_j), below the range to v_0 + below (x - k_0), above it to
    /// v_K + above (x - k_K): the table's definition (<see cref="PwlTable.Eval"/>). The input is flattened to
    /// (1, M) and the K + 2 bounds are a (K + 2, 1) column, so the Max and Min broadcast over whole rows of M
    /// values (ONNX Runtime is slow when the broadcast axis is the short inner one); the sum over rows is one
    /// (1, K + 2) x (K + 2, M) MatMul, and v_0 - sum_j s_j base_j is folded into one added constant.</summary>
    public string Pwl(string x, PwlTable t, string stem)
    {
        var r = t.Function.Rule();
        return Pwl(x, t.Knots, t.Values, r.BelowSlope, r.AboveSlope, stem);
    }

    /// <summary>The same on explicit knots, values and tail slopes (a quantized unit's, in real units).</summary>
    public string Pwl(string x, IReadOnlyList<double> knots, IReadOnlyList<double> values, double below, double above, string stem)
    {
        var t = (Knots: knots, Values: values);
        var r = (BelowSlope: below, AboveSlope: above);
        int k = knots.Count;
        const double Big = 1e30;
        var lo = new double[k + 1]; var hi = new double[k + 1]; var bs = new double[k + 1]; var sl = new double[k + 1];
        lo[0] = -Big; hi[0] = t.Knots[0]; bs[0] = t.Knots[0]; sl[0] = r.BelowSlope;
        for (int j = 0; j + 1 < k; j++)
        {
            lo[j + 1] = t.Knots[j]; hi[j + 1] = t.Knots[j + 1]; bs[j + 1] = t.Knots[j];
            sl[j + 1] = (t.Values[j + 1] - t.Values[j]) / (t.Knots[j + 1] - t.Knots[j]);
        }
        lo[k] = t.Knots[k - 1]; hi[k] = Big; bs[k] = t.Knots[k - 1]; sl[k] = r.AboveSlope;
        double c0 = t.Values[0];
        for (int j = 0; j <= k; j++) c0 -= sl[j] * bs[j];
        string shape = Op("Shape", [x], stem + ".shape");
        string flat = Reshape(x, [1, -1], stem + ".flat");
        string c = Min(Max(flat, Floats(stem + ".lo", [k + 1, 1], lo), stem + ".max"), Floats(stem + ".hi", [k + 1, 1], hi), stem + ".clamp");
        string y = Add(MatMul(Floats(stem + ".slopes", [1, k + 1], sl), c, stem + ".sum"), Scalar((float)c0), stem + ".flat_y");
        return Op("Reshape", [y, shape], stem);
    }

    /// <summary>The graph with its inputs and outputs, ready to serialize.</summary>
    public OnnxModel Build(string name, IReadOnlyList<OnnxValue> inputs, IReadOnlyList<OnnxValue> outputs, IReadOnlyDictionary<string, string> meta, string doc) =>
        new(Opset, name, nodes, inits, inputs, outputs, meta, doc);
}
