using EMamba.Onnx.Proto;

namespace EMamba.Onnx.Tests;

/// <summary>The hand-written wire format against the protobuf encoding guide's own examples.</summary>
public sealed class ProtoWriterTests
{
    [Fact]
    public void VarintsAndLengthsAreEncodedAsTheGuideShows()
    {
        var w = new ProtoWriter();
        w.Int(1, 150);                       // 08 96 01
        w.String(2, "testing");              // 12 07 74 65 73 74 69 6e 67
        w.Int(3, -1);                        // 18 ff ff ff ff ff ff ff ff ff 01 (int64 -1: ten bytes)
        w.Float(4, 1f);                      // 25 00 00 80 3f
        Assert.Equal(Convert.FromHexString("089601" + "120774657374696e67" + "18ffffffffffffffffff01" + "250000803f"), w.ToArray());
    }

    [Fact]
    public void EmbeddedMessagesArePrefixedByTheirLength()
    {
        var w = new ProtoWriter();
        w.Message(3, m => m.Int(1, 150));    // 1a 03 08 96 01
        w.PackedInts(4, [3, 270, 86942]);    // 22 06 03 8e 02 9e a7 05
        Assert.Equal(Convert.FromHexString("1a03089601" + "2206038e029ea705"), w.ToArray());
    }
}
