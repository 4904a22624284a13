using EMamba.Core.Integer;
using EMamba.Engine;

namespace EMamba.Hardware;

/// <summary>Compares a simulated sample with the integer engine bit for bit: the outputs, and with taps
/// every tapped tensor in Trace's pipeline order, so that a mismatch names the first differing
/// operation, token and index (docs/hardware.md, "Co-simulation").</summary>
public static class Cosim
{
    /// <summary>Null when the sample agrees with <see cref="Reference.Run"/>; otherwise the first difference.</summary>
    public static string? FirstMismatch(IntModel m, Design d, ReadOnlySpan<long> input, SimSample s)
    {
        if (s.Writes.Count > 0)
        {
            var rtl = new Dictionary<(string, int), Dictionary<int, long>>();
            foreach (var w in s.Writes)
            {
                if (!rtl.TryGetValue((w.Name, w.Token), out var t)) rtl[(w.Name, w.Token)] = t = [];
                t[w.Index] = w.Value;   // a later write of the same element (h of the same token) is the one the engine keeps
            }
            var tapped = d.Taps.ToHashSet(StringComparer.Ordinal);
            foreach (var e in Trace.Of(m, input))
            {
                if (!tapped.Contains(e.Name)) continue;
                rtl.TryGetValue((e.Name, e.Token), out var got);
                for (int i = 0; i < e.Codes.Length; i++)
                {
                    if (got == null || !got.TryGetValue(i, out long v)) return $"{e.Name} token {e.Token} index {i}: the RTL wrote no value, the engine has {e.Codes[i]}";
                    if (v != e.Codes[i]) return $"{e.Name} token {e.Token} index {i}: RTL {v}, engine {e.Codes[i]}";
                }
            }
        }
        var want = Reference.Run(m, input);
        if (s.Outputs.Length != want.Length) return $"out: the RTL sent {s.Outputs.Length} codes, the engine has {want.Length}";
        for (int i = 0; i < want.Length; i++)
            if (s.Outputs[i] != want[i]) return $"out index {i}: RTL {s.Outputs[i]}, engine {want[i]}";
        return null;
    }
}
