using System.Buffers.Binary;
using System.Text;

namespace EMamba.Onnx.Proto;

/// <summary>The protobuf wire format, writing side only (protobuf.dev/programming-guides/encoding):
/// varints, 32-bit floats and length-delimited fields. ONNX needs nothing more, and writing it by hand
/// keeps the export free of generated code and of a protobuf runtime.</summary>
public sealed class ProtoWriter
{
    private readonly MemoryStream buf = new();

    private const int Varint = 0, Fixed32 = 5, Len = 2;

    public byte[] ToArray() => buf.ToArray();

    public long Length => buf.Length;

    private void Tag(int field, int wire) => RawVarint(((ulong)field << 3) | (uint)wire);

    private void RawVarint(ulong v)
    {
        while (v >= 0x80) { buf.WriteByte((byte)(v | 0x80)); v >>= 7; }
        buf.WriteByte((byte)v);
    }

    /// <summary>int64 / int32 / enum field (negative values take ten bytes, as protobuf specifies).</summary>
    public void Int(int field, long v) { Tag(field, Varint); RawVarint((ulong)v); }

    public void Float(int field, float v)
    {
        Tag(field, Fixed32);
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteSingleLittleEndian(b, v);
        buf.Write(b);
    }

    public void Bytes(int field, ReadOnlySpan<byte> data) { Tag(field, Len); RawVarint((ulong)data.Length); buf.Write(data); }

    public void String(int field, string s) => Bytes(field, Encoding.UTF8.GetBytes(s));

    /// <summary>An embedded message: written into its own buffer first, since its length comes first.</summary>
    public void Message(int field, Action<ProtoWriter> body)
    {
        var inner = new ProtoWriter();
        body(inner);
        Bytes(field, inner.buf.GetBuffer().AsSpan(0, (int)inner.buf.Length));
    }

    /// <summary>A packed repeated int64 field (proto3 packs repeated scalars by default).</summary>
    public void PackedInts(int field, IReadOnlyList<long> values)
    {
        var inner = new ProtoWriter();
        foreach (var v in values) inner.RawVarint((ulong)v);
        Bytes(field, inner.buf.GetBuffer().AsSpan(0, (int)inner.buf.Length));
    }

    public void PackedFloats(int field, IReadOnlyList<float> values)
    {
        var b = new byte[values.Count * 4];
        for (int i = 0; i < values.Count; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(i * 4), values[i]);
        Bytes(field, b);
    }
}
