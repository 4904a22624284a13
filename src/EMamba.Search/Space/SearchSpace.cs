using EMamba.Core;
using EMamba.Hardware;

namespace EMamba.Search.Space;

/// <summary>A search space file (docs/search.md, "The space file"): the base config the candidates modify,
/// the parameters that vary and their domains, the objectives and constraints, the budget and the sampler.
/// Validated on load; every problem names the file and its JSON path.</summary>
/// <param name="BaseConfig">as written: a preset name, a path (relative to the space file's folder), or
/// <see cref="Inline"/> for a config given as an object (what a stored study holds)</param>
/// <param name="Accelerator">where the accelerator config came from, as written (a path, or <see cref="Inline"/>);
/// null = the hardware model's default</param>
/// <param name="AcceleratorConfig">the accelerator config the hardware objectives are measured on (null = the default)</param>
/// <param name="Parameters">the parameters the file names, fixed ones included, in <see cref="Knob.All"/> order</param>
public sealed record SearchSpace(string BaseConfig, RunConfig Base, string? Accelerator, AcceleratorConfig? AcceleratorConfig, IReadOnlyList<Parameter> Parameters,
    IReadOnlyList<Objective> Objectives, IReadOnlyList<Constraint> Constraints, Budget Budget, SamplerSettings Sampler)
{
    /// <summary>The name a config given as a JSON object goes by.</summary>
    public const string Inline = "(inline)";

    /// <summary>The config the hardware objectives are measured on.</summary>
    public AcceleratorConfig Hardware => AcceleratorConfig ?? new AcceleratorConfig().Validated();

    public static SearchSpace Load(string path) =>
        Parse(UserFile.ReadAllText(path, UserFile.MaxTextBytes, "search space file not found", ExitCodes.BadConfig), path,
              Path.GetDirectoryName(Path.GetFullPath(path))!);

    /// <param name="source">the name problems are reported under (the file's path)</param>
    /// <param name="directory">where relative base_config and accelerator paths are looked up</param>
    public static SearchSpace Parse(string json, string source, string directory) => SpaceReader.Read(json, source, directory);

    public string ToJson() => SpaceWriter.Write(this, inline: false);

    /// <summary>The space with its base and accelerator configs written out as objects: what a study stores, so that it
    /// means the same on any machine and after the files it was made from have moved.</summary>
    public string ToSelfContainedJson() => SpaceWriter.Write(this, inline: true);

    /// <summary>The candidate made concrete on <see cref="Base"/>, trained for the budget's max_epochs.</summary>
    public Applied Apply(Candidate c) => c.ApplyTo(Base, Budget.MaxEpochs);

    /// <summary>Whether a trial must measure the modelled area (it generates the RTL text, so only when asked).</summary>
    public bool MeasuresArea => Objectives.Any(o => o.Kind == ObjectiveKind.Area);

    /// <summary>Whether a sampled point is a valid model (what samplers use to draw again).</summary>
    public bool IsValid(IReadOnlyDictionary<string, object> values) => Apply(new Candidate(values)).Valid;
}
