using EMamba.Search.Storage;
using Npgsql;

namespace EMamba.Search.Tests.Storage;

/// <summary>The contract on a PostgreSQL database (a fresh one per test, on the cluster the tests start), and
/// what only a server can get wrong.</summary>
[Collection(PostgresCollection.Name), NeedsPostgres]
public sealed class PostgresStudyStorageTests : StudyStorageContract
{
    private readonly PostgresCluster _cluster;
    private readonly Lazy<string> _url;   // made on first use, once even when workers open at once

    public PostgresStudyStorageTests(PostgresCluster cluster)
    {
        _cluster = cluster;
        _url = new(cluster.NewDatabase);
    }

    protected override IStudyStorage OpenStore() => StudyStorage.Open(_url.Value);

    [PostgresFact]
    public void BadCredentialsNameTheUrlButNotThePassword()
    {
        string url = _cluster.NewDatabase().Replace(PostgresCluster.Password, "wrong-password", StringComparison.Ordinal);
        var e = Assert.Throws<StudyStorageException>(() => StudyStorage.Open(url));
        Assert.StartsWith($"postgresql://{PostgresCluster.User}@127.0.0.1:{_cluster.Port}/study_", e.Message);
        Assert.Contains("password authentication failed", e.Message);
        Assert.DoesNotContain("wrong-password", e.Message);
    }

    [PostgresFact]
    public void AServerThatIsNotThereIsAClearError()
    {
        int port = _cluster.Port;
        var e = Assert.Throws<StudyStorageException>(() => StudyStorage.Open($"postgres://me:secret@127.0.0.1:{(port == 1 ? 2 : 1)}/x"));
        Assert.StartsWith($"postgres://me@127.0.0.1:{(port == 1 ? 2 : 1)}/x: cannot use the PostgreSQL study database", e.Message);
        Assert.DoesNotContain("secret", e.Message);
    }

    [PostgresFact]
    public void ANewerSchemaIsRefused()
    {
        string url = _cluster.NewDatabase();
        StudyStorage.Open(url).Dispose();
        var (cs, _) = StudyStorage.Postgres(url);
        using (var c = new NpgsqlConnection(cs + ";Pooling=false"))
        {
            c.Open();
            using var cmd = new NpgsqlCommand("UPDATE emamba_schema SET version = 2", c);
            cmd.ExecuteNonQuery();
        }
        Assert.Contains("written by a newer eMamba (study schema version 2; this build reads up to 1)",
            Assert.Throws<StudyStorageException>(() => StudyStorage.Open(url)).Message);
    }
}
