using EMamba.Search.Storage;
using Microsoft.Data.Sqlite;

namespace EMamba.Search.Tests.Storage;

/// <summary>The contract on an SQLite file, and what only a file can get wrong.</summary>
public sealed class SqliteStudyStorageTests : StudyStorageContract
{
    private readonly string _dir = Directory.CreateTempSubdirectory("emamba-study-").FullName;

    private string DbPath => Path.Combine(_dir, "nested", "study.db");

    protected override IStudyStorage OpenStore() => new SqliteStudyStorage(DbPath);

    public override void Dispose()
    {
        base.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void TheParentFolderIsCreatedAndTheFileIsInWalMode()
    {
        using (var st = OpenStore()) Assert.Equal(Path.GetFullPath(DbPath), st.Location);
        Assert.True(File.Exists(DbPath));
        Assert.Equal("wal", Query(DbPath, "PRAGMA journal_mode"));
        Assert.Equal("1", Query(DbPath, "SELECT version FROM emamba_schema"));
    }

    [Fact]
    public void AFileThatIsNotADatabaseIsRefusedByName()
    {
        string path = Path.Combine(_dir, "notes.db");
        File.WriteAllText(path, "these are my notes, not a database; " + new string('x', 200));
        var e = Assert.Throws<StudyStorageException>(() => new SqliteStudyStorage(path));
        Assert.Equal($"{path}: not a study database (not an SQLite file)", e.Message);
        Assert.StartsWith("these are my notes", File.ReadAllText(path));   // untouched
    }

    [Fact]
    public void AnotherProgramsSqliteDatabaseIsRefusedAndLeftAlone()
    {
        string path = Path.Combine(_dir, "other.sqlite");
        Query(path, "CREATE TABLE photos (id INTEGER)");
        var e = Assert.Throws<StudyStorageException>(() => new SqliteStudyStorage(path));
        Assert.Contains(path, e.Message);
        Assert.Contains("not a study database (it has tables photos", e.Message);
        Assert.Equal("0", Query(path, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'emamba%'"));
    }

    [Fact]
    public void ANewerSchemaIsRefused()
    {
        OpenStore().Dispose();
        Query(DbPath, "UPDATE emamba_schema SET version = 2");
        var e = Assert.Throws<StudyStorageException>(OpenStore);
        Assert.Equal($"{Path.GetFullPath(DbPath)}: written by a newer eMamba (study schema version 2; this build reads up to 1)", e.Message);
    }

    [Fact]
    public void AClaimWaitsForAnotherConnectionsWriteInsteadOfFailing()
    {
        using var st = OpenStore();
        st.CreateOrLoadStudy(StudyInfo.Define("s", [new("loss", ObjectiveDirection.Minimize)], "{}", 1));
        st.Enqueue("s", TrialParams.Empty.With("d", 8L));
        using var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Pooling = false }.ToString());
        other.Open();
        var tx = other.BeginTransaction(deferred: false);   // holds the write lock, as a busy worker would
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var release = new Thread(() => { Thread.Sleep(700); tx.Commit(); });
        release.Start();
        Assert.Equal(0, st.ClaimWaiting("s", "w")!.Number);
        Assert.True(clock.ElapsedMilliseconds >= 650, $"claimed after {clock.ElapsedMilliseconds} ms, while the lock was held");
        release.Join();
    }

    [Fact]
    public void AFolderIsNotADatabase() =>
        Assert.Contains("is a folder", Assert.Throws<StudyStorageException>(() => new SqliteStudyStorage(_dir)).Message);

    private static string Query(string path, string sql)
    {
        using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
