using EMamba.Core;

namespace EMamba.Search.Space;

/// <summary>A search space file (docs/search.md, "The space file"): the base config the candidates modify,
/// the parameters that vary and their domains, the objectives and constraints, the budget and the sampler.
/// Validated on load; every problem names the file and its JSON path.</summary>
/// <param name="BaseConfig">as written: a preset name or a path (relative to the space file's folder)</param>
/// <param name="Accelerator">the accelerator config the hardware objectives are measured on (a path resolved
/// like base_config; null = the hardware model's default)</param>
/// <param name="Parameters">the parameters the file names, fixed ones included, in <see cref="Knob.All"/> order</param>
public sealed record SearchSpace(string BaseConfig, RunConfig Base, string? Accelerator, IReadOnlyList<Parameter> Parameters,
    IReadOnlyList<Objective> Objectives, IReadOnlyList<Constraint> Constraints, Budget Budget, SamplerSettings Sampler)
{
    public static SearchSpace Load(string path) =>
        Parse(UserFile.ReadAllText(path, UserFile.MaxTextBytes, "search space file not found", ExitCodes.BadConfig), path,
              Path.GetDirectoryName(Path.GetFullPath(path))!);

    /// <param name="source">the name problems are reported under (the file's path)</param>
    /// <param name="directory">where relative base_config and accelerator paths are looked up</param>
    public static SearchSpace Parse(string json, string source, string directory) => SpaceReader.Read(json, source, directory);

    public string ToJson() => SpaceWriter.Write(this);

    /// <summary>The candidate made concrete on <see cref="Base"/>, trained for the budget's max_epochs.</summary>
    public Applied Apply(Candidate c) => c.ApplyTo(Base, Budget.MaxEpochs);

    /// <summary>Whether a trial must measure the modelled area (it generates the RTL text, so only when asked).</summary>
    public bool MeasuresArea => Objectives.Any(o => o.Kind == ObjectiveKind.Area);

    /// <summary>Whether a sampled point is a valid model (what samplers use to draw again).</summary>
    public bool IsValid(IReadOnlyDictionary<string, object> values) => Apply(new Candidate(values)).Valid;
}
