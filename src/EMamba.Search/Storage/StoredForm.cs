using System.Globalization;
using System.Text.Json;

namespace EMamba.Search.Storage;

/// <summary>How values without a native column type are written, the same in both backends: objectives and
/// value lists as JSON, times as fixed-width ISO 8601 UTC text (which sorts as time does).</summary>
internal static class StoredForm
{
    private const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'";

    private static readonly JsonSerializerOptions Camel = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static string Objectives(IReadOnlyList<Objective> objectives) =>
        JsonSerializer.Serialize(objectives.Select(o => new StoredObjective(o.Name, o.Direction == ObjectiveDirection.Maximize ? "maximize" : "minimize")), Camel);

    public static List<Objective> Objectives(string json, string location)
    {
        try
        {
            return [.. JsonSerializer.Deserialize<List<StoredObjective>>(json, Camel)!.Select(o => new Objective(o.Name, o.Direction switch
            {
                "minimize" => ObjectiveDirection.Minimize,
                "maximize" => ObjectiveDirection.Maximize,
                _ => throw new JsonException($"direction '{o.Direction}'"),
            }))];
        }
        catch (Exception e) when (e is JsonException or NullReferenceException)
        {
            throw new StudyStorageException($"{location}: a study's stored objectives are unreadable: {e.Message}", e);
        }
    }

    public static string Values(IReadOnlyList<double> values) => JsonSerializer.Serialize(values);

    public static double[] Values(string json) => JsonSerializer.Deserialize<double[]>(json)!;

    public static string Time(DateTime t) => t.ToUniversalTime().ToString(TimeFormat, CultureInfo.InvariantCulture);

    public static DateTime Time(string s) =>
        DateTime.ParseExact(s, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private sealed record StoredObjective(string Name, string Direction);
}
