using System.Globalization;
using System.Text.Json;
using EMamba.Core;
using EMamba.Hardware;

namespace EMamba.Search.Space;

/// <summary>Reads a search space file. Every problem is collected (not just the first) with its JSON path,
/// and the lot is thrown as one <see cref="ConfigException"/> naming the file.</summary>
internal sealed class SpaceReader
{
    private static readonly string[] TopKeys = ["base_config", "accelerator", "architecture", "approximation", "quantization", "objectives", "constraints", "budget", "sampler"];
    private static readonly string[] BudgetKeys = ["trials", "min_epochs", "max_epochs", "eta", "seed"];
    private static readonly string[] SamplerKeys = ["kind", "population", "crossover_prob", "mutation_prob", "eta_crossover", "eta_mutation"];

    private readonly List<string> problems = [];
    private void Problem(string path, string what) => problems.Add($"{path}: {what}");

    public static SearchSpace Read(string json, string source, string directory)
    {
        JsonDocument doc;
        try { doc = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ConfigException(source, [$"not valid JSON: {e.Message}"]); }
        using (doc) return new SpaceReader().Space(doc.RootElement, source, directory);
    }

    private SearchSpace Space(JsonElement root, string source, string directory)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new ConfigException(source, ["the file must hold a JSON object"]);
        var top = Fields(root, "", TopKeys);
        string baseName = "";
        RunConfig? baseCfg = null;
        if (!top.TryGetValue("base_config", out var be)) Problem("base_config", "missing: a preset name (e.g. mars-paper) or a model config's path");
        else if (be.ValueKind == JsonValueKind.Object) { baseName = SearchSpace.Inline; baseCfg = Checked(SearchSpace.Inline, () => RunConfig.Parse(be.GetRawText(), $"{source}: base_config")); }
        else if (be.ValueKind != JsonValueKind.String || be.GetString() is not { Length: > 0 } bn) Problem("base_config", "must be a preset name, a path or a model config object");
        else { baseName = bn; baseCfg = Checked(bn, () => Presets.All.TryGetValue(bn, out var preset) ? preset : RunConfig.Load(Path.Combine(directory, bn))); }
        string? accel = null;
        AcceleratorConfig? accelCfg = null;
        if (top.TryGetValue("accelerator", out var ae))
        {
            if (ae.ValueKind == JsonValueKind.Object) { accel = SearchSpace.Inline; accelCfg = Accelerator(() => AcceleratorConfig.Parse(ae.GetRawText(), $"{source}: accelerator")); }
            else if (ae.ValueKind != JsonValueKind.String || ae.GetString() is not { Length: > 0 } an) Problem("accelerator", "must be a path to an accelerator config or a config object");
            else if (!File.Exists(Path.Combine(directory, an))) Problem("accelerator", $"'{Shown.Value(an)}' not found (relative paths start at {directory})");
            else { accel = an; accelCfg = Accelerator(() => AcceleratorConfig.Load(Path.Combine(directory, an))); }
        }
        var parameters = new List<Parameter>();
        foreach (var section in Enum.GetValues<SpaceSection>())
            if (top.TryGetValue(Knob.SectionName(section), out var se)) parameters.AddRange(Section(se, section));
        parameters.Sort((a, b) => IndexOfKnob(a.Name).CompareTo(IndexOfKnob(b.Name)));
        var task = baseCfg?.Model.Task ?? TaskKind.Fmnist;
        var objectives = top.TryGetValue("objectives", out var oe) ? Objectives(oe, task)
            : [new Objective(ObjectiveKind.MetricInt8, Objective.Implied(ObjectiveKind.MetricInt8, task)), new Objective(ObjectiveKind.Params, Direction.Minimize)];
        var constraints = top.TryGetValue("constraints", out var ce) ? Constraints(ce) : [];
        var budget = top.TryGetValue("budget", out var bge) ? BudgetOf(bge) : new Budget();
        var sampler = top.TryGetValue("sampler", out var sme) ? SamplerOf(sme) : new SamplerSettings();
        if (problems.Count > 0) throw new ConfigException(source, problems);
        return new SearchSpace(baseName, baseCfg!, accel, accelCfg, parameters, objectives, constraints, budget, sampler);
    }

    private static int IndexOfKnob(string name) => Knob.All.ToList().FindIndex(k => k.Name == name);

    private AcceleratorConfig? Accelerator(Func<AcceleratorConfig> load)
    {
        try { return load(); }
        catch (EMambaException e) { Problem("accelerator", e.Message.Replace("\n", " ")); return null; }
    }

    /// <summary>The base config <paramref name="load"/> reads, if it is one the search can build.</summary>
    private RunConfig? Checked(string name, Func<RunConfig> load)
    {
        RunConfig cfg;
        try { cfg = load(); }
        catch (EMambaException e) { Problem("base_config", e.Message.Replace("\n", " ")); return null; }
        if (cfg.Model.Arch != Arch.Mamba || cfg.Model.Head == Head.Lm)
        {
            Problem("base_config", $"'{Shown.Value(name)}' is a {cfg.Model.Arch.Name()} {cfg.Model.Head.Name()} model; the search builds eMamba vision or radar models (arch mamba, head classify or regress)");
            return null;
        }
        return cfg;
    }

    /// <summary>The members of an object, rejecting unknown and repeated keys (listing the known ones).</summary>
    private Dictionary<string, JsonElement> Fields(JsonElement obj, string path, IReadOnlyList<string> known)
    {
        var d = new Dictionary<string, JsonElement>();
        foreach (var prop in obj.EnumerateObject())
        {
            string at = path.Length == 0 ? Shown.Value(prop.Name) : $"{path}.{Shown.Value(prop.Name)}";
            if (!known.Contains(prop.Name)) Problem(at, $"unknown key (known: {string.Join(", ", known)})");
            else if (!d.TryAdd(prop.Name, prop.Value)) Problem(at, "given twice");
        }
        return d;
    }

    private bool IsObject(JsonElement e, string path)
    {
        if (e.ValueKind == JsonValueKind.Object) return true;
        Problem(path, $"must be an object, not {Kind(e)}");
        return false;
    }

    private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();

    private List<Parameter> Section(JsonElement e, SpaceSection section)
    {
        string sp = Knob.SectionName(section);
        var list = new List<Parameter>();
        if (!IsObject(e, sp)) return list;
        var knobs = Knob.All.Where(k => k.Section == section).ToList();
        foreach (var (name, v) in Fields(e, sp, knobs.Select(k => k.Name).ToList()))
            if (DomainOf(knobs.First(k => k.Name == name), v, $"{sp}.{name}") is { } d) list.Add(new Parameter(name, d));
        return list;
    }

    private ParamDomain? DomainOf(Knob k, JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object) return Value(k, e, path) is { } fixedValue ? new Fixed(fixedValue) : null;
        if (e.TryGetProperty("choices", out _))
        {
            var f = Fields(e, path, ["choices"]);
            if (!f.TryGetValue("choices", out var ch)) return null;
            if (ch.ValueKind != JsonValueKind.Array || ch.GetArrayLength() == 0) { Problem($"{path}.choices", "must be a non-empty list"); return null; }
            var choices = new List<object>();
            int i = 0;
            foreach (var c in ch.EnumerateArray())
            {
                if (Value(k, c, $"{path}.choices[{i}]") is { } v)
                {
                    if (choices.Contains(v)) Problem($"{path}.choices[{i}]", $"{Shown.Value(c.GetRawText())} is listed twice");
                    else choices.Add(v);
                }
                i++;
            }
            return choices.Count == ch.GetArrayLength() ? new Categorical(choices) : null;
        }
        if (!k.Numeric) { Problem(path, $"a range needs a numeric parameter; give one value or {{\"choices\": [...]}} ({k.Expected})"); return null; }
        bool isInt = k.Kind != KnobKind.Float;
        var fields = Fields(e, path, isInt ? ["low", "high", "step", "log"] : ["low", "high", "log"]);
        bool log = false;
        if (fields.TryGetValue("log", out var le))
        {
            if (le.ValueKind is JsonValueKind.True or JsonValueKind.False) log = le.GetBoolean();
            else Problem($"{path}.log", "must be true or false");
        }
        double? lo = RangeEnd(k, fields, "low", path), hi = RangeEnd(k, fields, "high", path);
        int step = 1;
        if (fields.TryGetValue("step", out var ste) && !(ste.ValueKind == JsonValueKind.Number && ste.TryGetInt32(out step) && step >= 1))
        { Problem($"{path}.step", $"{Shown.Value(ste.GetRawText())} is not an integer >= 1"); return null; }
        if (lo is not double l || hi is not double h) return null;
        if (l > h) { Problem(path, $"low {Num(l)} is above high {Num(h)}"); return null; }
        if (log && !(l > 0)) { Problem(path, $"a log range needs low > 0 (low is {Num(l)})"); return null; }
        if (log && step != 1) { Problem(path, $"a log range takes no step (step is {step})"); return null; }
        return isInt ? new IntRange((int)l, (int)h, step, log) : new FloatRange(l, h, log);
    }

    private double? RangeEnd(Knob k, Dictionary<string, JsonElement> fields, string key, string path)
    {
        if (!fields.TryGetValue(key, out var e)) { Problem(path, $"a range needs {key} (or give {{\"choices\": [...]}})"); return null; }
        bool ok = k.Kind == KnobKind.Float ? e.ValueKind == JsonValueKind.Number : e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out _);
        if (!ok) { Problem($"{path}.{key}", $"{Shown.Value(e.GetRawText())} is not {(k.Kind == KnobKind.Float ? "a finite number" : "an integer")}"); return null; }
        var v = Value(k, e, $"{path}.{key}");
        return v is null ? null : Convert.ToDouble(v, CultureInfo.InvariantCulture);
    }

    private object? Value(Knob k, JsonElement e, string path)
    {
        var v = k.Read(e, out var why);
        if (v is null) Problem(path, why!);
        return v;
    }

    private static string Num(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private List<Objective> Objectives(JsonElement e, TaskKind task)
    {
        var list = new List<Objective>();
        if (e.ValueKind != JsonValueKind.Array || e.GetArrayLength() == 0) { Problem("objectives", "must be a non-empty list of names"); return list; }
        var names = Enum.GetValues<ObjectiveKind>().Select(Objective.Name).ToList();
        int i = 0;
        foreach (var o in e.EnumerateArray())
        {
            string path = $"objectives[{i++}]";
            JsonElement nameE = o;
            Direction? dir = null;
            if (o.ValueKind == JsonValueKind.Object)
            {
                var f = Fields(o, path, ["name", "direction"]);
                if (!f.TryGetValue("name", out nameE)) { Problem(path, "needs a name"); continue; }
                if (f.TryGetValue("direction", out var de))
                {
                    if (de.ValueKind == JsonValueKind.String && Switches.TryParse<Direction>(de.GetString(), out var d)) dir = d;
                    else { Problem($"{path}.direction", $"{Shown.Value(de.GetRawText())} is not minimize or maximize"); continue; }
                }
            }
            if (nameE.ValueKind != JsonValueKind.String || names.IndexOf(nameE.GetString()!) is not (>= 0 and var k))
            { Problem(path, $"{Shown.Value(nameE.GetRawText())} is not one of {string.Join(", ", names)}"); continue; }
            var kind = (ObjectiveKind)k;
            if (list.Any(x => x.Kind == kind)) { Problem(path, $"{names[k]} is listed twice"); continue; }
            list.Add(new Objective(kind, dir ?? Objective.Implied(kind, task)));
        }
        return list;
    }

    private List<Constraint> Constraints(JsonElement e)
    {
        var list = new List<Constraint>();
        if (!IsObject(e, "constraints")) return list;
        var keys = Enum.GetValues<ObjectiveKind>().SelectMany(k => new[] { Bound.Max, Bound.Min }.Select(b => new Constraint(k, b, 0))).ToList();
        foreach (var (key, v) in Fields(e, "constraints", keys.Select(c => c.Key).ToList()))
        {
            if (v.ValueKind != JsonValueKind.Number || !double.IsFinite(v.GetDouble())) { Problem($"constraints.{key}", $"{Shown.Value(v.GetRawText())} is not a finite number"); continue; }
            list.Add(keys.First(c => c.Key == key) with { Limit = v.GetDouble() });
        }
        return list;
    }

    private Budget BudgetOf(JsonElement e)
    {
        var b = new Budget();
        if (!IsObject(e, "budget")) return b;
        var f = Fields(e, "budget", BudgetKeys);
        b = new Budget(Int(f, "budget", "trials", b.Trials), Int(f, "budget", "min_epochs", b.MinEpochs), Int(f, "budget", "max_epochs", b.MaxEpochs),
                       Int(f, "budget", "eta", b.Eta), Int(f, "budget", "seed", b.Seed));
        foreach (var p in b.Problems()) problems.Add("budget." + p);
        return b;
    }

    private SamplerSettings SamplerOf(JsonElement e)
    {
        var s = new SamplerSettings();
        if (!IsObject(e, "sampler")) return s;
        var f = Fields(e, "sampler", SamplerKeys);
        var kind = s.Kind;
        if (f.TryGetValue("kind", out var ke) && !(ke.ValueKind == JsonValueKind.String && Switches.TryParse(ke.GetString(), out kind)))
            Problem("sampler.kind", $"{Shown.Value(ke.GetRawText())} is not {Switches.Alternatives<SamplerKind>()}");
        s = new SamplerSettings(kind, Int(f, "sampler", "population", s.Population), Real(f, "sampler", "crossover_prob", s.CrossoverProb),
            f.ContainsKey("mutation_prob") ? Real(f, "sampler", "mutation_prob", 0) : null,
            Real(f, "sampler", "eta_crossover", s.EtaCrossover), Real(f, "sampler", "eta_mutation", s.EtaMutation));
        foreach (var p in s.Problems()) problems.Add("sampler." + p);
        return s;
    }

    private int Int(Dictionary<string, JsonElement> f, string path, string key, int fallback)
    {
        if (!f.TryGetValue(key, out var e)) return fallback;
        if (e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out int v)) return v;
        Problem($"{path}.{key}", $"{Shown.Value(e.GetRawText())} is not an integer");
        return fallback;
    }

    private double Real(Dictionary<string, JsonElement> f, string path, string key, double fallback)
    {
        if (!f.TryGetValue(key, out var e)) return fallback;
        if (e.ValueKind == JsonValueKind.Number && double.IsFinite(e.GetDouble())) return e.GetDouble();
        Problem($"{path}.{key}", $"{Shown.Value(e.GetRawText())} is not a finite number");
        return fallback;
    }
}
