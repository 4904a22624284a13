using System.Text.Json;
using System.Text.Json.Nodes;

namespace EMamba.Search.Storage;

/// <summary>What defines a study and never changes after it is created: its objectives (names and directions,
/// in the order of <see cref="Trial.Values"/>), its search space (the JSON text as given) and its seed.</summary>
public sealed record StudyInfo(string Name, IReadOnlyList<Objective> Objectives, string Space, long Seed, DateTime Created)
{
    /// <summary>A definition to hand to <see cref="IStudyStorage.CreateOrLoadStudy"/>; the storage sets Created.</summary>
    public static StudyInfo Define(string name, IReadOnlyList<Objective> objectives, string space, long seed)
    {
        var info = new StudyInfo(name, [.. objectives], space, seed, default);
        info.Validate();
        return info;
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("a study needs a name");
        if (Objectives.Count == 0) throw new ArgumentException($"study '{Name}' needs at least one objective");
        foreach (var o in Objectives)
        {
            if (string.IsNullOrWhiteSpace(o.Name)) throw new ArgumentException($"study '{Name}': an objective has no name");
            if (!Enum.IsDefined(o.Direction)) throw new ArgumentException($"study '{Name}': objective '{o.Name}' has direction {(int)o.Direction}");
        }
        if (Objectives.Select(o => o.Name).Distinct().Count() != Objectives.Count)
            throw new ArgumentException($"study '{Name}': objective names repeat ({string.Join(", ", Objectives.Select(o => o.Name))})");
        try { JsonNode.Parse(Space); }
        catch (JsonException e) { throw new ArgumentException($"study '{Name}': the search space is not valid JSON: {e.Message}", e); }
    }

    /// <summary>Why <paramref name="requested"/> cannot load this stored study, or null when it defines the same
    /// study. Spaces compare as JSON values, so whitespace and key order do not matter.</summary>
    internal string? Difference(StudyInfo requested)
    {
        if (!Objectives.SequenceEqual(requested.Objectives))
            return $"its objectives are {Describe(Objectives)}, not {Describe(requested.Objectives)}";
        if (!JsonNode.DeepEquals(JsonNode.Parse(Space), JsonNode.Parse(requested.Space)))
            return "its search space differs from the one given";
        if (Seed != requested.Seed)
            return $"its seed is {Seed}, not {requested.Seed}";
        return null;
    }

    internal static string Describe(IEnumerable<Objective> objectives) =>
        "[" + string.Join(", ", objectives.Select(o => $"{o.Name} ({o.Direction})")) + "]";
}
