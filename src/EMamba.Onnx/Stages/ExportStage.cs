using System.Diagnostics;
using EMamba.Core;
using EMamba.Core.Approx;
using EMamba.Core.Integer;
using EMamba.Data;
using EMamba.Data.Checkpoints;
using EMamba.Engine.Quantize;
using EMamba.Onnx.Proto;

namespace EMamba.Onnx.Stages;

/// <summary>What a model file is exported as, from its format tag.</summary>
public enum ExportKind
{
    /// <summary>A float checkpoint (emamba-float/1): a float32 graph.</summary>
    Float,
    /// <summary>A quantized model (emamba-int/1): a QDQ graph (QuantizeLinear / DequantizeLinear around float ops).</summary>
    Qdq,
}

/// <summary><c>emamba export onnx</c>: a float checkpoint or a quantized model as an ONNX file (docs/onnx.md),
/// written to a temp file and renamed into place.</summary>
public static class ExportStage
{
    /// <param name="Tokens">language models: the graph's fixed sequence length</param>
    public sealed record Request(string Model, string? Approx, string Out, IStageObserver? Observer = null, int Tokens = 0);

    public sealed record Result(string Out, ExportKind Kind, int Opset, int Nodes, int Initializers, long Bytes, double Seconds);

    /// <summary>The kind of <paramref name="path"/> from its metadata 'format'; anything else is an error naming the file.</summary>
    public static ExportKind KindOf(string path)
    {
        if (!File.Exists(path)) throw new EMambaException($"{path}: model file not found", ExitCodes.BadInput);
        var meta = SafetensorsFile.Read(path).Metadata;
        meta.TryGetValue("format", out var fmt);
        return fmt switch
        {
            FloatCheckpoint.FormatTag => ExportKind.Float,
            QuantFile.FormatTag => ExportKind.Qdq,
            _ => throw new EMambaException($"{path}: cannot be exported: metadata 'format' is '{Shown.Value(fmt ?? "missing")}', expected '{FloatCheckpoint.FormatTag}' (a float checkpoint) or '{QuantFile.FormatTag}' (a quantized model)", ExitCodes.BadInput),
        };
    }

    /// <summary>The graph of a model file, in memory.</summary>
    public static OnnxModel Graph(string model, string? approx, out ExportKind kind, int tokens = 0)
    {
        kind = KindOf(model);
        if (kind == ExportKind.Qdq)
        {
            if (approx != null) throw new EMambaException($"{model}: --approx applies to float checkpoints only; a quantized model carries its PWL tables in codes", ExitCodes.Usage);
            return QdqExport.Build(QuantFile.Read(model), model);
        }
        var ck = FloatCheckpoint.Read(model);
        var fm = new FloatModel(ck, approx is null ? null : ApproxFile.Load(approx));
        return FloatExport.Build(fm, ck.Normalizer, model + (approx is null ? "" : $" + {approx}"), tokens);
    }

    public static Result Run(Request q)
    {
        var sw = Stopwatch.StartNew();
        var g = Graph(q.Model, q.Approx, out var kind, q.Tokens);
        var bytes = g.Serialize();
        AtomicFile.WriteAllBytes(q.Out, bytes);
        return new Result(q.Out, kind, g.Opset, g.Nodes.Count, g.Initializers.Count, bytes.Length, sw.Elapsed.TotalSeconds);
    }
}
