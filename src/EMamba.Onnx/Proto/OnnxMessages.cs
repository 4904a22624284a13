using System.Buffers.Binary;

namespace EMamba.Onnx.Proto;

/// <summary>ONNX element types (onnx.proto, TensorProto.DataType): the ones the export writes.</summary>
public enum ElemType { Float = 1, UInt8 = 2, Int8 = 3, UInt16 = 4, Int16 = 5, Int32 = 6, Int64 = 7 }

/// <summary>An initializer or constant: dims and little-endian raw bytes (TensorProto fields 1, 2, 8, 9).</summary>
public sealed record OnnxTensor(string Name, ElemType Type, long[] Dims, byte[] Raw)
{
    public static OnnxTensor Floats(string name, long[] dims, ReadOnlySpan<float> v)
    {
        var b = new byte[v.Length * 4];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), v[i]);
        return new(name, ElemType.Float, dims, b);
    }

    public static OnnxTensor Int64s(string name, long[] dims, ReadOnlySpan<long> v)
    {
        var b = new byte[v.Length * 8];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(i * 8), v[i]);
        return new(name, ElemType.Int64, dims, b);
    }

    public static OnnxTensor Int32s(string name, long[] dims, ReadOnlySpan<int> v)
    {
        var b = new byte[v.Length * 4];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(i * 4), v[i]);
        return new(name, ElemType.Int32, dims, b);
    }

    /// <summary>Integer codes stored as int8 / uint8 / int16 / uint16 (the caller has checked they fit).</summary>
    public static OnnxTensor Codes(string name, ElemType t, long[] dims, ReadOnlySpan<long> v)
    {
        int w = t is ElemType.Int8 or ElemType.UInt8 ? 1 : t is ElemType.Int16 or ElemType.UInt16 ? 2 : t == ElemType.Int32 ? 4 : 8;
        var b = new byte[v.Length * w];
        for (int i = 0; i < v.Length; i++)
            switch (w)
            {
                case 1: b[i] = (byte)v[i]; break;
                case 2: BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(i * 2), (short)v[i]); break;
                case 4: BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(i * 4), (int)v[i]); break;
                default: BinaryPrimitives.WriteInt64LittleEndian(b.AsSpan(i * 8), v[i]); break;
            }
        return new(name, t, dims, b);
    }

    internal void Write(ProtoWriter w)
    {
        w.PackedInts(1, Dims);
        w.Int(2, (int)Type);
        w.String(8, Name);
        w.Bytes(9, Raw);
    }
}

/// <summary>A node attribute (AttributeProto): an int, a float, a list of ints, or a tensor.</summary>
public sealed record OnnxAttr(string Name, long? I = null, float? F = null, long[]? Ints = null, OnnxTensor? T = null)
{
    internal void Write(ProtoWriter w)
    {
        w.String(1, Name);
        // AttributeType: FLOAT 1, INT 2, TENSOR 4, INTS 7 (field 20)
        if (F is float f) { w.Float(2, f); w.Int(20, 1); }
        else if (I is long i) { w.Int(3, i); w.Int(20, 2); }
        else if (T is { } t) { w.Message(5, t.Write); w.Int(20, 4); }
        else if (Ints is { } ints) { foreach (var v in ints) w.Int(8, v); w.Int(20, 7); }
        else throw new InvalidOperationException($"attribute {Name} has no value");
    }
}

public sealed record OnnxNode(string OpType, string Name, string[] Inputs, string[] Outputs, OnnxAttr[] Attrs)
{
    internal void Write(ProtoWriter w)
    {
        foreach (var i in Inputs) w.String(1, i);
        foreach (var o in Outputs) w.String(2, o);
        w.String(3, Name);
        w.String(4, OpType);
        foreach (var a in Attrs) w.Message(5, a.Write);
    }
}

/// <summary>A graph input or output: name, element type and shape; a null dim is symbolic (<see cref="DimParam"/>),
/// null dims an unknown shape.</summary>
public sealed record OnnxValue(string Name, ElemType Type, long?[]? Dims, string DimParam = "batch")
{
    internal void Write(ProtoWriter w)
    {
        w.String(1, Name);
        w.Message(2, tp => tp.Message(1, tt =>          // TypeProto.tensor_type
        {
            tt.Int(1, (int)Type);
            if (Dims is { } dims)
                tt.Message(2, sh =>                      // TensorShapeProto
                {
                    foreach (var d in dims)
                        sh.Message(1, dim => { if (d is long v) dim.Int(1, v); else dim.String(2, DimParam); });
                });
        }));
    }
}

/// <summary>ModelProto with one graph: the whole file.</summary>
public sealed record OnnxModel(int Opset, string GraphName, IReadOnlyList<OnnxNode> Nodes, IReadOnlyList<OnnxTensor> Initializers,
    IReadOnlyList<OnnxValue> Inputs, IReadOnlyList<OnnxValue> Outputs, IReadOnlyDictionary<string, string> Metadata, string DocString)
{
    /// <summary>The IR version that goes with the opset (onnx/onnx docs/Versioning.md: opset 17 -> IR 8, 18-20 -> 9, 21-22 -> 10).</summary>
    public int IrVersion => Opset <= 17 ? 8 : Opset <= 20 ? 9 : 10;

    public byte[] Serialize()
    {
        var w = new ProtoWriter();
        w.Int(1, IrVersion);
        w.String(2, "eMamba.NET");
        w.String(3, typeof(OnnxModel).Assembly.GetName().Version?.ToString() ?? "0");
        w.String(6, DocString);
        w.Message(7, g =>
        {
            foreach (var n in Nodes) g.Message(1, n.Write);
            g.String(2, GraphName);
            foreach (var t in Initializers) g.Message(5, t.Write);
            foreach (var i in Inputs) g.Message(11, i.Write);
            foreach (var o in Outputs) g.Message(12, o.Write);
        });
        w.Message(8, op => { op.String(1, ""); op.Int(2, Opset); });
        foreach (var (k, v) in Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            w.Message(14, e => { e.String(1, k); e.String(2, v); });
        return w.ToArray();
    }
}
