namespace EMamba.Search.Tests.Storage;

/// <summary>A fact that needs a PostgreSQL server: skipped, with the reason, when its binaries are not installed.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (PostgresCluster.Missing is { } why) Skip = why;
    }
}
