using System.Text.Json;
using System.Text.Json.Nodes;
using EMamba.Core;

namespace EMamba.Search.Space;

/// <summary>Writes a space back as the JSON <see cref="SpaceReader"/> reads: every default made explicit,
/// so a study can store the space it ran and a reader sees every setting.</summary>
internal static class SpaceWriter
{
    public static string Write(SearchSpace s, bool inline)
    {
        var root = new JsonObject { ["base_config"] = inline ? JsonNode.Parse(s.Base.ToJson()) : s.BaseConfig };
        if (s.AcceleratorConfig != null) root["accelerator"] = inline ? JsonNode.Parse(s.AcceleratorConfig.ToJson()) : s.Accelerator;
        foreach (var section in Enum.GetValues<SpaceSection>())
        {
            var o = new JsonObject();
            foreach (var p in s.Parameters.Where(p => Knob.Find(p.Name)!.Section == section)) o[p.Name] = DomainJson(Knob.Find(p.Name)!, p.Domain);
            if (o.Count > 0) root[Knob.SectionName(section)] = o;
        }
        root["objectives"] = new JsonArray([.. s.Objectives.Select(o => (JsonNode)new JsonObject
        {
            ["name"] = Objective.Name(o.Kind), ["direction"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(o.Direction.ToString()),
        })]);
        var c = new JsonObject();
        foreach (var x in s.Constraints) c[x.Key] = x.Limit;
        root["constraints"] = c;
        var b = s.Budget;
        root["budget"] = new JsonObject { ["trials"] = b.Trials, ["min_epochs"] = b.MinEpochs, ["max_epochs"] = b.MaxEpochs, ["eta"] = b.Eta, ["seed"] = b.Seed };
        var m = s.Sampler;
        var sampler = new JsonObject
        {
            ["kind"] = JsonNamingPolicy.SnakeCaseLower.ConvertName(m.Kind.ToString()), ["population"] = m.Population, ["crossover_prob"] = m.CrossoverProb,
            ["eta_crossover"] = m.EtaCrossover, ["eta_mutation"] = m.EtaMutation,
        };
        if (m.MutationProb is double mp) sampler["mutation_prob"] = mp;
        root["sampler"] = sampler;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static JsonNode DomainJson(Knob k, ParamDomain d) => d switch
    {
        Fixed f => Scalar(k, f.Value),
        Categorical c => new JsonObject { ["choices"] = new JsonArray([.. c.Choices.Select(v => Scalar(k, v))]) },
        IntRange r => WithLog(new JsonObject { ["low"] = r.Low, ["high"] = r.High, ["step"] = r.Step }, r.Log),
        FloatRange r => WithLog(new JsonObject { ["low"] = r.Low, ["high"] = r.High }, r.Log),
        _ => throw new ArgumentException($"domain {d.GetType().Name}"),
    };

    private static JsonObject WithLog(JsonObject o, bool log)
    {
        if (log) o["log"] = true;
        return o;
    }

    /// <summary>One value as JSON (also how a study stores a trial's parameters: <see cref="ParamJson"/>).</summary>
    public static JsonNode Scalar(Knob k, object v) => k.ToJsonValue(v) switch
    {
        int i => JsonValue.Create(i),
        double x => JsonValue.Create(x),
        bool t => JsonValue.Create(t),
        string str => JsonValue.Create(str),
        var other => throw new ArgumentException($"{k.Name}: value of type {other.GetType().Name}"),
    };
}
