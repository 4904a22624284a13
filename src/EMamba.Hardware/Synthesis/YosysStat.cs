using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EMamba.Hardware.Synthesis;

/// <summary>yosys <c>stat</c> as a flat record: cells by type, memories and their bits. Reads the JSON of
/// <c>stat -json</c> (its "design" totals when the design has a hierarchy) or, failing that, the text report
/// (its last cell list: the only module of a flattened design, or the hierarchy totals).</summary>
public sealed partial record YosysStat(IReadOnlyDictionary<string, long> Cells, long Memories, long MemoryBits)
{
    /// <summary>The number of cells of a type (0 when absent).</summary>
    public long this[string type] => Cells.TryGetValue(type, out long n) ? n : 0;

    public long TotalCells => Cells.Values.Sum();

    public static YosysStat Parse(string report) => report.TrimStart().StartsWith('{') ? ParseJson(report) : ParseText(report);

    private static YosysStat ParseJson(string json)
    {
        using var doc = JsonDocument.Parse(json);
        var root = doc.RootElement;
        JsonElement stats;
        if (root.TryGetProperty("design", out var design)) stats = design;
        else
        {
            var modules = root.GetProperty("modules").EnumerateObject().ToList();
            if (modules.Count != 1) throw new FormatException($"yosys stat JSON has {modules.Count} modules and no design totals");
            stats = modules[0].Value;
        }
        var cells = new Dictionary<string, long>(StringComparer.Ordinal);
        if (stats.TryGetProperty("num_cells_by_type", out var byType))
            foreach (var c in byType.EnumerateObject()) cells[c.Name] = c.Value.GetInt64();
        return new YosysStat(cells, stats.GetProperty("num_memories").GetInt64(), stats.GetProperty("num_memory_bits").GetInt64());
    }

    private static YosysStat ParseText(string text)
    {
        Dictionary<string, long>? cells = null;
        long memories = -1, bits = -1;
        bool inCells = false;
        foreach (var raw in text.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (Field(line, "Number of memories:") is { } m) { memories = m; inCells = false; continue; }
            if (Field(line, "Number of memory bits:") is { } b) { bits = b; inCells = false; continue; }
            if (Field(line, "Number of cells:") is not null) { cells = new(StringComparer.Ordinal); inCells = true; continue; }
            if (!inCells) continue;
            var cell = CellLine().Match(line);
            if (cell.Success) cells![cell.Groups[1].Value] = long.Parse(cell.Groups[2].Value, CultureInfo.InvariantCulture);
            else inCells = false;
        }
        if (cells == null || memories < 0 || bits < 0) throw new FormatException("not a yosys stat report: no 'Number of cells' / memory lines");
        return new YosysStat(cells, memories, bits);
    }

    private static long? Field(string line, string name)
    {
        int i = line.IndexOf(name, StringComparison.Ordinal);
        return i < 0 ? null : long.Parse(line[(i + name.Length)..].Trim(), CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"^\s+(\S+)\s+(\d+)\s*$")]
    private static partial Regex CellLine();
}
