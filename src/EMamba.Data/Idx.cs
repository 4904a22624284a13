using System.Buffers.Binary;
using EMamba.Core;

namespace EMamba.Data;

/// <summary>An IDX array (the MNIST format): big-endian dims, unsigned bytes.</summary>
public sealed record IdxArray(int[] Shape, byte[] Data);

/// <summary>IDX reader, plain or gzip (detected by magic bytes, not by extension).
/// Header: 0x00 0x00 type ndim, then ndim big-endian int32 dims. Only type 0x08 (ubyte) is
/// used by the data sets here; other types are rejected with a clear error.</summary>
public static class Idx
{
    public static IdxArray Read(string path)
    {
        using var s = BoundedRead.Open(path);
        var head = BoundedRead.Exactly(s, 4, path, 0, "IDX magic");
        if (head[0] != 0 || head[1] != 0)
            throw new FileFormatException(path, 0, $"not an IDX file: magic starts {head[0]:x2} {head[1]:x2}, expected 00 00");
        if (head[2] != 0x08)
            throw new FileFormatException(path, 2, $"IDX element type 0x{head[2]:x2} is not supported (only 0x08 unsigned byte)");
        int ndim = head[3];
        if (ndim < 1 || ndim > 4) throw new FileFormatException(path, 3, $"IDX rank {ndim} is not in 1..4");
        var dimBytes = BoundedRead.Exactly(s, 4 * ndim, path, 4, "IDX dimensions");
        var shape = new int[ndim];
        long count = 1;
        for (int i = 0; i < ndim; i++)
        {
            shape[i] = BinaryPrimitives.ReadInt32BigEndian(dimBytes.AsSpan(4 * i));
            if (shape[i] < 0) throw new FileFormatException(path, 4 + 4 * i, $"IDX dimension {i} is negative ({shape[i]})");
            count *= shape[i];
            if (count > BoundedRead.MaxBytes)
                throw new FileFormatException(path, 4 + 4 * i, $"IDX dimensions claim more than {BoundedRead.MaxBytes} elements (the 2 GiB limit)");
        }
        long dataStart = 4 + 4 * ndim;
        var data = BoundedRead.Exactly(s, count, path, dataStart, "IDX data");
        BoundedRead.ExpectEnd(s, path, dataStart + count, $"the {count} data bytes of shape ({string.Join(", ", shape)})");
        return new IdxArray(shape, data);
    }
}
