using Microsoft.Data.Sqlite;

namespace EMamba.Search.Storage;

/// <summary>Studies in one SQLite file: the default, for workers on one machine (threads or processes). WAL
/// mode lets readers run beside the one writer; every change is a <c>BEGIN IMMEDIATE</c> transaction, which
/// takes the file's write lock up front, so a claim's read and update cannot interleave with another
/// process's. A busy file is waited for (busy_timeout), not failed. One connection per instance, used under a
/// lock: thread-safe, and several instances on one file are the normal case. Keep the file on a local disk
/// (WAL needs shared memory, which network file systems do not give).</summary>
public sealed class SqliteStudyStorage : IStudyStorage
{
    /// <summary>The schema this build writes; a file with a higher version is refused, not misread.</summary>
    public const int SchemaVersion = 1;

    private const int BusyMilliseconds = 30_000;

    private readonly SqliteConnection _db;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (long Id, StudyInfo Info)> _studies = [];

    public string Location { get; }

    public SqliteStudyStorage(string path)
    {
        Location = Path.GetFullPath(path);
        if (Directory.Exists(Location)) throw new StudyStorageException($"{Location}: is a folder, not a study database file");
        string? dir = Path.GetDirectoryName(Location);
        try { if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        { throw new StudyStorageException($"{Location}: cannot create its folder: {e.Message}", e); }

        _db = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = Location,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,   // Dispose closes the file, so a test or a resumed worker sees it released
            DefaultTimeout = BusyMilliseconds / 1000,
        }.ToString());
        try
        {
            _db.Open();
            Exec($"PRAGMA busy_timeout = {BusyMilliseconds}");
            Exec("PRAGMA foreign_keys = ON");
            EnsureSchema();
            // After the schema check, so a foreign file is refused before anything is written to it.
            // If another connection holds the file the mode stays as it was: correctness rests on the locks.
            Exec("PRAGMA journal_mode = WAL");
        }
        catch (SqliteException e)
        {
            _db.Dispose();
            throw new StudyStorageException(e.SqliteErrorCode == 26   // SQLITE_NOTADB
                ? $"{Location}: not a study database (not an SQLite file)"
                : $"{Location}: cannot open the study database: {e.Message}", e);
        }
        catch
        {
            _db.Dispose();
            throw;
        }
    }

    private void EnsureSchema()
    {
        using var tx = _db.BeginTransaction(deferred: false);
        if (Scalar<long>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'emamba_schema'") == 1)
        {
            long version = Scalar<long>("SELECT max(version) FROM emamba_schema");
            if (version > SchemaVersion)
                throw new StudyStorageException($"{Location}: written by a newer eMamba (study schema version {version}; this build reads up to {SchemaVersion})");
            return;
        }
        var tables = new List<string>();
        using (var cmd = Command("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) tables.Add(r.GetString(0));
        if (tables.Count > 0)
            throw new StudyStorageException($"{Location}: an SQLite database but not a study database (it has tables {string.Join(", ", tables.Take(5))} and no emamba_schema)");
        Exec("""
            CREATE TABLE emamba_schema (version INTEGER NOT NULL);
            CREATE TABLE emamba_studies (
                id          INTEGER PRIMARY KEY,
                name        TEXT NOT NULL UNIQUE,
                objectives  TEXT NOT NULL,              -- JSON [{"name": ..., "direction": "minimize"|"maximize"}]
                space       TEXT NOT NULL,              -- the search space JSON as given
                seed        INTEGER NOT NULL,
                created     TEXT NOT NULL,              -- ISO 8601 UTC
                next_number INTEGER NOT NULL DEFAULT 0  -- the next trial number: dense, allocated under the write lock
            );
            CREATE TABLE emamba_trials (
                id               INTEGER PRIMARY KEY,
                study_id         INTEGER NOT NULL REFERENCES emamba_studies (id),
                number           INTEGER NOT NULL,
                state            TEXT NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed')),
                params           TEXT NOT NULL,         -- JSON object, the sampler's order
                objective_values TEXT,                  -- JSON array of finite numbers
                worker           TEXT,
                started          TEXT,
                heartbeat        TEXT,
                finished         TEXT,
                message          TEXT,
                retry_of         INTEGER,
                UNIQUE (study_id, number)
            );
            CREATE INDEX emamba_trials_by_state ON emamba_trials (study_id, state, number);
            CREATE TABLE emamba_reports (
                trial_id INTEGER NOT NULL REFERENCES emamba_trials (id),
                step     INTEGER NOT NULL,
                vals     TEXT NOT NULL,                 -- JSON array of finite numbers
                PRIMARY KEY (trial_id, step)
            );
            """);
        Exec($"INSERT INTO emamba_schema (version) VALUES ({SchemaVersion})");
        tx.Commit();
    }

    public StudyInfo CreateOrLoadStudy(StudyInfo definition)
    {
        definition.Validate();
        lock (_gate)
        {
            using var tx = _db.BeginTransaction(deferred: false);
            if (FindStudy(definition.Name) is { } stored)
            {
                if (stored.Info.Difference(definition) is { } why)
                    throw new StudyStorageException($"{Location}: study '{definition.Name}' exists and {why}; use another study name");
                return stored.Info;
            }
            var info = definition with { Created = DateTime.UtcNow };
            using var cmd = Command("INSERT INTO emamba_studies (name, objectives, space, seed, created) VALUES ($n, $o, $s, $seed, $c) RETURNING id",
                ("$n", info.Name), ("$o", StoredForm.Objectives(info.Objectives)), ("$s", info.Space), ("$seed", info.Seed), ("$c", StoredForm.Time(info.Created)));
            long id = (long)cmd.ExecuteScalar()!;
            tx.Commit();
            _studies[info.Name] = (id, info);
            return info;
        }
    }

    public StudyInfo? LoadStudy(string name)
    {
        lock (_gate) return FindStudy(name)?.Info;
    }

    public IReadOnlyList<StudyInfo> Studies()
    {
        lock (_gate)
        {
            var names = new List<string>();
            using (var cmd = Command("SELECT name FROM emamba_studies ORDER BY id"))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) names.Add(r.GetString(0));
            return [.. names.Select(n => FindStudy(n)!.Value.Info)];
        }
    }

    public Trial Enqueue(string study, TrialParams parameters) => Write(study, s => Insert(s, study, TrialState.Waiting, parameters, null, null));

    public Trial CreateRunning(string study, TrialParams parameters, string worker)
    {
        TrialOutcome.CheckWorker(worker);
        return Write(study, s => Insert(s, study, TrialState.Running, parameters, worker, null));
    }

    public Trial? CreateRunning(string study, Func<int, TrialParams?> parametersFor, string worker)
    {
        TrialOutcome.CheckWorker(worker);
        ArgumentNullException.ThrowIfNull(parametersFor);
        return Write(study, s =>
        {
            // BEGIN IMMEDIATE holds the write lock, so the number read here is the one Insert allocates.
            int number = (int)Scalar<long>("SELECT next_number FROM emamba_studies WHERE id = $s", ("$s", s));
            return parametersFor(number) is { } p ? Insert(s, study, TrialState.Running, p, worker, null) : null;
        });
    }

    public Trial? ClaimWaiting(string study, string worker)
    {
        TrialOutcome.CheckWorker(worker);
        return Write(study, s =>
        {
            using var cmd = Command("""
                UPDATE emamba_trials SET state = 'running', worker = $w, started = $now, heartbeat = $now
                WHERE id = (SELECT id FROM emamba_trials WHERE study_id = $s AND state = 'waiting' ORDER BY number LIMIT 1)
                RETURNING id
                """, ("$w", worker), ("$now", Now()), ("$s", s));
            return cmd.ExecuteScalar() is long id ? Read(id, study) : null;
        });
    }

    public bool Heartbeat(string study, int trial, string worker) => Write(study, s =>
    {
        using var cmd = Command("UPDATE emamba_trials SET heartbeat = $now WHERE study_id = $s AND number = $n AND state = 'running' AND worker = $w",
            ("$now", Now()), ("$s", s), ("$n", trial), ("$w", worker));
        if (cmd.ExecuteNonQuery() == 1) return true;
        _ = Locate(s, study, trial);   // unknown trial: an error, not "not yours"
        return false;
    });

    public bool Report(string study, int trial, int step, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Write(study, s =>
        {
            var (id, state) = Locate(s, study, trial);
            if (state != TrialState.Running) return false;
            if (TrialOutcome.Diverged(step, values) is { } why)
            {
                End(id, TrialState.Failed, null, why);
                return false;
            }
            Exec("INSERT OR REPLACE INTO emamba_reports (trial_id, step, vals) VALUES ($t, $step, $v)",
                ("$t", id), ("$step", step), ("$v", StoredForm.Values(values)));
            Exec("UPDATE emamba_trials SET heartbeat = $now WHERE id = $t", ("$now", Now()), ("$t", id));
            return true;
        });
    }

    public Trial? Finish(string study, int trial, TrialState state, IReadOnlyList<double>? values = null, string? message = null)
    {
        var (finalState, finalValues, finalMessage) = TrialOutcome.Resolve(Study(study).Info, trial, state, values, message);
        return Write(study, s =>
        {
            var (id, current) = Locate(s, study, trial);
            if (current != TrialState.Running) return null;
            End(id, finalState, finalValues, finalMessage);
            return Read(id, study);
        });
    }

    public IReadOnlyList<Trial> FailStale(string study, TimeSpan age) => Write(study, s =>
    {
        var stale = new List<(long Id, string? Worker, DateTime Heartbeat)>();
        using (var cmd = Command("SELECT id, worker, heartbeat FROM emamba_trials WHERE study_id = $s AND state = 'running' AND heartbeat < $cut ORDER BY number",
            ("$s", s), ("$cut", StoredForm.Time(DateTime.UtcNow - age))))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) stale.Add((r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1), StoredForm.Time(r.GetString(2))));
        foreach (var t in stale) End(t.Id, TrialState.Failed, null, TrialOutcome.Stale(t.Worker, t.Heartbeat));
        return (IReadOnlyList<Trial>)[.. stale.Select(t => Read(t.Id, study))];
    });

    public Trial Retry(string study, int failedTrial) => Write(study, s =>
    {
        var (id, state) = Locate(s, study, failedTrial);
        if (state != TrialState.Failed)
            throw new InvalidOperationException($"trial {failedTrial} of '{study}' is {state}: only a Failed trial can be retried");
        using (var cmd = Command("SELECT number FROM emamba_trials WHERE study_id = $s AND retry_of = $n", ("$s", s), ("$n", failedTrial)))
            if (cmd.ExecuteScalar() is long again)
                throw new InvalidOperationException($"trial {failedTrial} of '{study}' was already retried as trial {again}");
        return Insert(s, study, TrialState.Waiting, Read(id, study).Params, null, failedTrial);
    });

    public IReadOnlyList<Trial> Trials(string study)
    {
        lock (_gate)
        {
            long s = Study(study).Id;
            using var tx = _db.BeginTransaction(deferred: true);   // one snapshot for trials and reports
            var reports = new Dictionary<long, SortedDictionary<int, double[]>>();
            using (var cmd = Command("SELECT r.trial_id, r.step, r.vals FROM emamba_reports r JOIN emamba_trials t ON t.id = r.trial_id WHERE t.study_id = $s", ("$s", s)))
            using (var r = cmd.ExecuteReader())
                while (r.Read())
                {
                    long id = r.GetInt64(0);
                    if (!reports.TryGetValue(id, out var steps)) reports[id] = steps = [];
                    steps[r.GetInt32(1)] = StoredForm.Values(r.GetString(2));
                }
            var trials = new List<Trial>();
            using (var cmd = Command($"SELECT {Columns} FROM emamba_trials WHERE study_id = $s ORDER BY number", ("$s", s)))
            using (var r = cmd.ExecuteReader())
                while (r.Read()) trials.Add(Map(r, study, reports.GetValueOrDefault(r.GetInt64(0)) ?? []));
            return trials;
        }
    }

    public Trial? Trial(string study, int number)
    {
        lock (_gate)
        {
            long s = Study(study).Id;
            using var tx = _db.BeginTransaction(deferred: true);
            using var cmd = Command("SELECT id FROM emamba_trials WHERE study_id = $s AND number = $n", ("$s", s), ("$n", number));
            return cmd.ExecuteScalar() is long id ? Read(id, study) : null;
        }
    }

    public void Dispose() => _db.Dispose();

    // ---- helpers: all run under _gate ----

    private const string Columns = "id, study_id, number, state, params, objective_values, worker, started, heartbeat, finished, message, retry_of";

    /// <summary>One write transaction on a known study; an exception rolls everything back.</summary>
    private T Write<T>(string study, Func<long, T> body)
    {
        lock (_gate)
        {
            long s = Study(study).Id;
            using var tx = _db.BeginTransaction(deferred: false);
            T result = body(s);
            tx.Commit();
            return result;
        }
    }

    private (long Id, StudyInfo Info) Study(string name)
    {
        lock (_gate) return FindStudy(name) ?? throw new KeyNotFoundException($"{Location}: no study '{name}'");
    }

    private (long Id, StudyInfo Info)? FindStudy(string name)
    {
        if (_studies.TryGetValue(name, out var known)) return known;
        using var cmd = Command("SELECT id, objectives, space, seed, created FROM emamba_studies WHERE name = $n", ("$n", name));
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return null;
        var info = new StudyInfo(name, StoredForm.Objectives(r.GetString(1), Location), r.GetString(2), r.GetInt64(3), StoredForm.Time(r.GetString(4)));
        return _studies[name] = (r.GetInt64(0), info);   // a definition never changes, so it is cached
    }

    private (long Id, TrialState State) Locate(long s, string study, int number)
    {
        using var cmd = Command("SELECT id, state FROM emamba_trials WHERE study_id = $s AND number = $n", ("$s", s), ("$n", number));
        using var r = cmd.ExecuteReader();
        if (!r.Read()) throw new KeyNotFoundException($"{Location}: study '{study}' has no trial {number}");
        return (r.GetInt64(0), TrialStates.FromColumn(r.GetString(1)));
    }

    private Trial Insert(long s, string study, TrialState state, TrialParams parameters, string? worker, int? retryOf)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        long number = Scalar<long>("UPDATE emamba_studies SET next_number = next_number + 1 WHERE id = $s RETURNING next_number - 1", ("$s", s));
        object? now = state == TrialState.Running ? Now() : null;
        using var cmd = Command("""
            INSERT INTO emamba_trials (study_id, number, state, params, worker, started, heartbeat, retry_of)
            VALUES ($s, $n, $state, $p, $w, $now, $now, $retry) RETURNING id
            """, ("$s", s), ("$n", number), ("$state", state.Column()), ("$p", parameters.ToJson()), ("$w", worker), ("$now", now), ("$retry", retryOf));
        return Read((long)cmd.ExecuteScalar()!, study);
    }

    private void End(long id, TrialState state, double[]? values, string? message) =>
        Exec("UPDATE emamba_trials SET state = $state, objective_values = $v, finished = $now, message = $m WHERE id = $t",
            ("$state", state.Column()), ("$v", values is null ? null : StoredForm.Values(values)), ("$now", Now()), ("$m", message), ("$t", id));

    private Trial Read(long id, string study)
    {
        var steps = new SortedDictionary<int, double[]>();
        using (var cmd = Command("SELECT step, vals FROM emamba_reports WHERE trial_id = $t", ("$t", id)))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) steps[r.GetInt32(0)] = StoredForm.Values(r.GetString(1));
        using (var cmd = Command($"SELECT {Columns} FROM emamba_trials WHERE id = $t", ("$t", id)))
        using (var r = cmd.ExecuteReader())
        {
            r.Read();
            return Map(r, study, steps);
        }
    }

    private static Trial Map(SqliteDataReader r, string study, SortedDictionary<int, double[]> reports)
    {
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        DateTime? Time(int i) => Text(i) is { } t ? StoredForm.Time(t) : null;
        return new Trial(study, r.GetInt32(2), TrialStates.FromColumn(r.GetString(3)), TrialParams.Parse(r.GetString(4)),
            Text(5) is { } v ? StoredForm.Values(v) : null, reports, Text(6), Time(7), Time(8), Time(9), Text(10),
            r.IsDBNull(11) ? null : r.GetInt32(11));
    }

    private static string Now() => StoredForm.Time(DateTime.UtcNow);

    private SqliteCommand Command(string sql, params (string Name, object? Value)[] args)
    {
        var cmd = _db.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    private void Exec(string sql, params (string, object?)[] args)
    {
        using var cmd = Command(sql, args);
        cmd.ExecuteNonQuery();
    }

    private T Scalar<T>(string sql, params (string, object?)[] args)
    {
        using var cmd = Command(sql, args);
        return (T)cmd.ExecuteScalar()!;
    }
}
