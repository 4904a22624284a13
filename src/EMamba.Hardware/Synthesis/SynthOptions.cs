namespace EMamba.Hardware.Synthesis;

/// <summary>How <see cref="Synthesizer.Run"/> synthesizes a folder of Verilog.</summary>
public sealed record SynthOptions
{
    public SynthTarget Target { get; init; } = SynthTarget.Generic;

    /// <summary>The part nextpnr places on (Ice40 only).</summary>
    public Ice40Device Device { get; init; } = Ice40Device.Hx8k;

    /// <summary>nextpnr's timing target in MHz (Ice40 only; the measured Fmax is reported whether it meets it or not).</summary>
    public double ClockMhz { get; init; } = 100;

    /// <summary>Overrides of the top module's parameters (yosys <c>hierarchy -chparam</c>), written as Verilog
    /// constants: <c>4</c>, <c>"weight.hex"</c>. Lets a unit be synthesized alone with small sizes.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();

    /// <summary>Per tool run; a run past it is killed and reported as timed out.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromHours(2);

    /// <summary>Where results are kept per input hash; default <see cref="Simulation.DefaultCache"/>.</summary>
    public string? Cache { get; init; }

    /// <summary>The yosys program (a name looked up on PATH, or a path).</summary>
    public string Yosys { get; init; } = "yosys";

    /// <summary>The nextpnr-ice40 program (a name looked up on PATH, or a path).</summary>
    public string Nextpnr { get; init; } = "nextpnr-ice40";
}
