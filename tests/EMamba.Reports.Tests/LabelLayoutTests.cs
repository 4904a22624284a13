using CsCheck;
using EMamba.Reports;

namespace EMamba.Reports.Tests;

/// <summary>Plot labels of close points are stacked, never overprinted; lone labels stay put.</summary>
public sealed class LabelLayoutTests
{
    private const double H = 14;

    [Fact]
    public void Two_labels_on_the_same_spot_stack_the_lower_one_below()
    {
        double[] dy = LabelLayout.Offsets([(100, 50, 80), (100, 55, 60)], H);
        Assert.Equal([0.0, 9.0], dy);   // the second box's top moves from 55 to 50 + 14
    }

    [Fact]
    public void Labels_far_apart_keep_zero_offsets()
    {
        double[] dy = LabelLayout.Offsets([(100, 50, 80), (300, 52, 60), (100, 200, 60)], H);
        Assert.All(dy, d => Assert.Equal(0.0, d));
    }

    [Fact]
    public void No_two_boxes_overlap_and_labels_only_move_down()
    {
        var gen = Gen.Select(Gen.Double[0, 300], Gen.Double[0, 300], Gen.Double[10, 120]).Array[1, 12];
        gen.Sample(labels =>
        {
            double[] dy = LabelLayout.Offsets(labels, H);
            for (int i = 0; i < labels.Length; i++)
            {
                Assert.True(dy[i] >= 0);
                for (int j = i + 1; j < labels.Length; j++)
                {
                    var (xi, yi, wi) = labels[i];
                    var (xj, yj, wj) = labels[j];
                    double ti = yi + dy[i], tj = yj + dy[j];
                    bool overlap = xi < xj + wj && xj < xi + wi && ti < tj + H - 1e-9 && tj < ti + H - 1e-9;
                    Assert.False(overlap, $"labels {i} and {j} overlap");
                }
            }
        });
    }
}
