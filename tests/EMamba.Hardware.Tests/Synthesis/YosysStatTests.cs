using EMamba.Hardware.Synthesis;

namespace EMamba.Hardware.Tests.Synthesis;

/// <summary>The yosys stat parser on stored yosys 0.23 outputs, JSON and text.</summary>
public class YosysStatTests
{
    [Fact]
    public void JsonAndTextReportsOfOneRunAgree()
    {
        foreach (var name in new[] { "xcup-mac", "generic-macmem" })
        {
            var json = SynthFixtures.Stat(name + ".stat.json");
            var text = SynthFixtures.Stat(name + ".stat.txt");
            Assert.Equal(json.Cells.OrderBy(c => c.Key), text.Cells.OrderBy(c => c.Key));
            Assert.Equal((json.Memories, json.MemoryBits), (text.Memories, text.MemoryBits));
        }
    }

    [Fact]
    public void ReadsCellsByTypeAndMemoryBits()
    {
        var s = SynthFixtures.Stat("xcup-mac.stat.json");
        Assert.Equal(32, s["FDRE"]);
        Assert.Equal(1, s["DSP48E2"]);
        Assert.Equal(0, s["RAMB36E2"]);
        Assert.Equal(73, s.TotalCells);
        var g = SynthFixtures.Stat("generic-macmem.stat.json");
        Assert.Equal((2, 256 * 8 + 16 * 8L), (g.Memories, g.MemoryBits));
    }

    [Fact]
    public void TakesTheDesignTotalsOfAHierarchy()
    {
        const string json = """
            { "creator": "Yosys 0.23", "modules": {
                "\\sub": { "num_memories": 0, "num_memory_bits": 0, "num_cells_by_type": { "LUT2": 3 } },
                "\\top": { "num_memories": 1, "num_memory_bits": 64, "num_cells_by_type": { "LUT2": 1 } } },
              "design": { "num_memories": 1, "num_memory_bits": 64, "num_cells_by_type": { "LUT2": 7 } } }
            """;
        var s = YosysStat.Parse(json);
        Assert.Equal(7, s["LUT2"]);
        Assert.Equal(64, s.MemoryBits);
    }

    [Fact]
    public void SomethingElseIsRefused()
    {
        Assert.Throws<FormatException>(() => YosysStat.Parse("Yosys 0.23\nEnd of script.\n"));
        Assert.Throws<FormatException>(() => YosysStat.Parse("""{ "modules": { "\\a": {}, "\\b": {} } }"""));
    }
}
