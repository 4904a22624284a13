using System.Globalization;
using System.Text.RegularExpressions;

namespace EMamba.Hardware.Synthesis;

/// <summary>One resource line of nextpnr's "Device utilisation" block.</summary>
public sealed record PnrResource(string Name, long Used, long Available)
{
    public double Percent => Available == 0 ? 0 : 100.0 * Used / Available;
}

/// <summary>A clock's Fmax after routing and the target it was placed for.</summary>
public sealed record PnrClock(string Name, double FmaxMhz, double TargetMhz)
{
    public bool Met => FmaxMhz >= TargetMhz;
}

/// <summary>nextpnr-ice40's log as a flat record: the device utilisation and each clock's "Max frequency for
/// clock" line. nextpnr prints the latter after placement and again after routing; the last one (routed) counts.</summary>
public sealed partial record NextpnrLog(IReadOnlyList<PnrResource> Utilisation, IReadOnlyList<PnrClock> Clocks)
{
    /// <summary>The slowest clock's Fmax (null for a design without a clocked path).</summary>
    public double? FmaxMhz => Clocks.Count == 0 ? null : Clocks.Min(c => c.FmaxMhz);

    public PnrResource? this[string name] => Utilisation.FirstOrDefault(r => r.Name == name);

    public static NextpnrLog Parse(string log)
    {
        var util = new List<PnrResource>();
        var clocks = new Dictionary<string, PnrClock>(StringComparer.Ordinal);
        bool inUtil = false;
        foreach (var raw in log.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.Contains("Device utilisation:", StringComparison.Ordinal)) { util.Clear(); inUtil = true; continue; }
            if (inUtil)
            {
                var r = ResourceLine().Match(line);
                if (r.Success) { util.Add(new PnrResource(r.Groups[1].Value, L(r.Groups[2].Value), L(r.Groups[3].Value))); continue; }
                inUtil = false;
            }
            var f = FmaxLine().Match(line);
            if (f.Success)
            {
                double fmax = D(f.Groups[2].Value);
                double target = f.Groups[3].Success ? D(f.Groups[3].Value) : fmax;
                clocks[f.Groups[1].Value] = new PnrClock(f.Groups[1].Value, fmax, target);
            }
        }
        if (util.Count == 0) throw new FormatException("not a nextpnr log: no 'Device utilisation' block");
        return new NextpnrLog(util, [.. clocks.Values]);
    }

    private static long L(string s) => long.Parse(s, CultureInfo.InvariantCulture);
    private static double D(string s) => double.Parse(s, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^Info:\s+(\S+):\s+(\d+)/\s*(\d+)\s+\d+%\s*$")]
    private static partial Regex ResourceLine();

    // "Info: Max frequency for clock 'clk': 62.20 MHz (PASS at 12.00 MHz)" (Warning: or ERROR: when it fails).
    [GeneratedRegex(@"Max frequency for clock '([^']+)': ([0-9.]+) MHz(?: \((?:PASS|FAIL) at ([0-9.]+) MHz\))?")]
    private static partial Regex FmaxLine();
}
