using System.Net.Sockets;
using Npgsql;

namespace EMamba.Search.Storage;

/// <summary>Studies in a PostgreSQL database, for workers on several machines. Times are the server's clock
/// (<c>now()</c>), so workers with skewed clocks still agree on which heartbeat is stale. A claim is one
/// <c>UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED LIMIT 1)</c>: two workers never get the same
/// row, and neither waits for the other. Trial numbers come from a counter in the study's row, whose row
/// lock serialises every insert into the study, so numbers are dense. Thread-safe: each call takes its own
/// connection from the data source's pool.</summary>
public sealed class PostgresStudyStorage : IStudyStorage
{
    public const int SchemaVersion = 1;

    private const long SchemaLockKey = 0x656d616d6261;   // "emamba": serialises schema creation between processes

    private readonly NpgsqlDataSource _source;
    private readonly Dictionary<string, (long Id, StudyInfo Info)> _studies = [];
    private readonly Lock _cache = new();

    public string Location { get; }

    /// <param name="connectionString">An Npgsql connection string.</param>
    /// <param name="location">How to name the server in messages, without a password.</param>
    public PostgresStudyStorage(string connectionString, string location)
    {
        Location = location;
        _source = NpgsqlDataSource.Create(connectionString);
        try
        {
            using var conn = _source.OpenConnection();
            EnsureSchema(conn);
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            _source.Dispose();
            throw new StudyStorageException($"{Location}: cannot use the PostgreSQL study database: {e.Message}", e);
        }
        catch
        {
            _source.Dispose();
            throw;
        }
    }

    private void EnsureSchema(NpgsqlConnection conn)
    {
        using var tx = conn.BeginTransaction();
        Exec(conn, "SELECT pg_advisory_xact_lock(@k)", ("k", SchemaLockKey));
        if (Scalar<bool>(conn, "SELECT to_regclass('emamba_schema') IS NOT NULL"))
        {
            int version = Scalar<int>(conn, "SELECT max(version) FROM emamba_schema");
            if (version > SchemaVersion)
                throw new StudyStorageException($"{Location}: written by a newer eMamba (study schema version {version}; this build reads up to {SchemaVersion})");
            return;
        }
        Exec(conn, """
            CREATE TABLE emamba_schema (version integer NOT NULL);
            CREATE TABLE emamba_studies (
                id          bigserial PRIMARY KEY,
                name        text NOT NULL UNIQUE,
                objectives  text NOT NULL,             -- JSON [{"name": ..., "direction": "minimize"|"maximize"}]
                space       text NOT NULL,             -- the search space JSON as given (text keeps its key order)
                seed        bigint NOT NULL,
                created     timestamptz NOT NULL,
                next_number integer NOT NULL DEFAULT 0 -- the next trial number; its row lock serialises inserts
            );
            CREATE TABLE emamba_trials (
                id               bigserial PRIMARY KEY,
                study_id         bigint NOT NULL REFERENCES emamba_studies (id),
                number           integer NOT NULL,
                state            text NOT NULL CHECK (state IN ('waiting', 'running', 'complete', 'pruned', 'failed')),
                params           text NOT NULL,        -- JSON object in the sampler's order (jsonb would reorder it)
                objective_values double precision[],
                worker           text,
                started          timestamptz,
                heartbeat        timestamptz,
                finished         timestamptz,
                message          text,
                retry_of         integer,
                UNIQUE (study_id, number)
            );
            CREATE INDEX emamba_trials_by_state ON emamba_trials (study_id, state, number);
            CREATE TABLE emamba_reports (
                trial_id bigint NOT NULL REFERENCES emamba_trials (id),
                step     integer NOT NULL,
                vals     double precision[] NOT NULL,
                PRIMARY KEY (trial_id, step)
            );
            """);
        Exec(conn, "INSERT INTO emamba_schema (version) VALUES (@v)", ("v", SchemaVersion));
        tx.Commit();
    }

    public StudyInfo CreateOrLoadStudy(StudyInfo definition)
    {
        definition.Validate();
        using var conn = _source.OpenConnection();
        using var tx = conn.BeginTransaction();
        // ON CONFLICT: two workers creating the same study at once both end up loading the one row.
        Exec(conn, "INSERT INTO emamba_studies (name, objectives, space, seed, created) VALUES (@n, @o, @s, @seed, now()) ON CONFLICT (name) DO NOTHING",
            ("n", definition.Name), ("o", StoredForm.Objectives(definition.Objectives)), ("s", definition.Space), ("seed", definition.Seed));
        var stored = FindStudy(conn, definition.Name)!.Value;
        if (stored.Info.Difference(definition) is { } why)
            throw new StudyStorageException($"{Location}: study '{definition.Name}' exists and {why}; use another study name");
        tx.Commit();
        return stored.Info;
    }

    public StudyInfo? LoadStudy(string name)
    {
        using var conn = _source.OpenConnection();
        return FindStudy(conn, name)?.Info;
    }

    public IReadOnlyList<StudyInfo> Studies()
    {
        using var conn = _source.OpenConnection();
        var names = new List<string>();
        using (var cmd = Command(conn, "SELECT name FROM emamba_studies ORDER BY id"))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) names.Add(r.GetString(0));
        return [.. names.Select(n => FindStudy(conn, n)!.Value.Info)];
    }

    public Trial Enqueue(string study, TrialParams parameters) =>
        Write(study, (conn, s) => Insert(conn, s, study, TrialState.Waiting, parameters, null, null));

    public Trial CreateRunning(string study, TrialParams parameters, string worker)
    {
        TrialOutcome.CheckWorker(worker);
        return Write(study, (conn, s) => Insert(conn, s, study, TrialState.Running, parameters, worker, null));
    }

    public Trial? CreateRunning(string study, Func<int, TrialParams?> parametersFor, string worker)
    {
        TrialOutcome.CheckWorker(worker);
        ArgumentNullException.ThrowIfNull(parametersFor);
        return Write(study, (conn, s) =>
        {
            // The row lock on the study serialises allocation, so the number read here is the one Insert takes.
            int number = Scalar<int>(conn, "SELECT next_number FROM emamba_studies WHERE id = @s FOR UPDATE", ("s", s));
            return parametersFor(number) is { } p ? Insert(conn, s, study, TrialState.Running, p, worker, null) : null;
        });
    }

    public Trial? ClaimWaiting(string study, string worker)
    {
        TrialOutcome.CheckWorker(worker);
        return Write(study, (conn, s) =>
        {
            using var cmd = Command(conn, """
                UPDATE emamba_trials SET state = 'running', worker = @w, started = now(), heartbeat = now()
                WHERE id = (SELECT id FROM emamba_trials WHERE study_id = @s AND state = 'waiting'
                            ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING id
                """, ("w", worker), ("s", s));
            return cmd.ExecuteScalar() is long id ? Read(conn, id, study) : null;
        });
    }

    public bool Heartbeat(string study, int trial, string worker) => Write(study, (conn, s) =>
    {
        using var cmd = Command(conn, "UPDATE emamba_trials SET heartbeat = now() WHERE study_id = @s AND number = @n AND state = 'running' AND worker = @w",
            ("s", s), ("n", trial), ("w", worker));
        if (cmd.ExecuteNonQuery() == 1) return true;
        _ = Locate(conn, s, study, trial);   // unknown trial: an error, not "not yours"
        return false;
    });

    public bool Report(string study, int trial, int step, IReadOnlyList<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return Write(study, (conn, s) =>
        {
            var (id, state) = Locate(conn, s, study, trial);
            if (state != TrialState.Running) return false;
            if (TrialOutcome.Diverged(step, values) is { } why)
            {
                End(conn, id, TrialState.Failed, null, why);
                return false;
            }
            Exec(conn, "INSERT INTO emamba_reports (trial_id, step, vals) VALUES (@t, @step, @v) ON CONFLICT (trial_id, step) DO UPDATE SET vals = excluded.vals",
                ("t", id), ("step", step), ("v", values.ToArray()));
            Exec(conn, "UPDATE emamba_trials SET heartbeat = now() WHERE id = @t", ("t", id));
            return true;
        });
    }

    public Trial? Finish(string study, int trial, TrialState state, IReadOnlyList<double>? values = null, string? message = null)
    {
        var (finalState, finalValues, finalMessage) = TrialOutcome.Resolve(Study(study).Info, trial, state, values, message);
        return Write(study, (conn, s) =>
        {
            var (id, current) = Locate(conn, s, study, trial);
            if (current != TrialState.Running) return null;
            End(conn, id, finalState, finalValues, finalMessage);
            return Read(conn, id, study);
        });
    }

    public IReadOnlyList<Trial> FailStale(string study, TimeSpan age) => Write(study, (conn, s) =>
    {
        // FOR UPDATE: a second caller waits, then re-checks the state and finds these rows failed already.
        var stale = new List<(long Id, string? Worker, DateTime Heartbeat)>();
        using (var cmd = Command(conn, "SELECT id, worker, heartbeat FROM emamba_trials WHERE study_id = @s AND state = 'running' AND heartbeat < now() - @age ORDER BY number FOR UPDATE",
            ("s", s), ("age", age)))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) stale.Add((r.GetInt64(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetDateTime(2)));
        foreach (var t in stale) End(conn, t.Id, TrialState.Failed, null, TrialOutcome.Stale(t.Worker, t.Heartbeat));
        return (IReadOnlyList<Trial>)[.. stale.Select(t => Read(conn, t.Id, study))];
    });

    public Trial Retry(string study, int failedTrial) => Write(study, (conn, s) =>
    {
        // Lock the study row first, as every insert does, so two retries of one trial are serialised.
        Exec(conn, "SELECT 1 FROM emamba_studies WHERE id = @s FOR UPDATE", ("s", s));
        var (id, state) = Locate(conn, s, study, failedTrial);
        if (state != TrialState.Failed)
            throw new InvalidOperationException($"trial {failedTrial} of '{study}' is {state}: only a Failed trial can be retried");
        using (var cmd = Command(conn, "SELECT number FROM emamba_trials WHERE study_id = @s AND retry_of = @n", ("s", s), ("n", failedTrial)))
            if (cmd.ExecuteScalar() is int again)
                throw new InvalidOperationException($"trial {failedTrial} of '{study}' was already retried as trial {again}");
        return Insert(conn, s, study, TrialState.Waiting, Read(conn, id, study).Params, null, failedTrial);
    });

    public IReadOnlyList<Trial> Trials(string study)
    {
        long s = Study(study).Id;
        using var conn = _source.OpenConnection();
        using var tx = conn.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);   // one snapshot for trials and reports
        var reports = new Dictionary<long, SortedDictionary<int, double[]>>();
        using (var cmd = Command(conn, "SELECT r.trial_id, r.step, r.vals FROM emamba_reports r JOIN emamba_trials t ON t.id = r.trial_id WHERE t.study_id = @s", ("s", s)))
        using (var r = cmd.ExecuteReader())
            while (r.Read())
            {
                long id = r.GetInt64(0);
                if (!reports.TryGetValue(id, out var steps)) reports[id] = steps = [];
                steps[r.GetInt32(1)] = r.GetFieldValue<double[]>(2);
            }
        var trials = new List<Trial>();
        using (var cmd = Command(conn, $"SELECT {Columns} FROM emamba_trials WHERE study_id = @s ORDER BY number", ("s", s)))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) trials.Add(Map(r, study, reports.GetValueOrDefault(r.GetInt64(0)) ?? []));
        tx.Commit();
        return trials;
    }

    public Trial? Trial(string study, int number)
    {
        long s = Study(study).Id;
        using var conn = _source.OpenConnection();
        using var tx = conn.BeginTransaction(System.Data.IsolationLevel.RepeatableRead);
        using var cmd = Command(conn, "SELECT id FROM emamba_trials WHERE study_id = @s AND number = @n", ("s", s), ("n", number));
        return cmd.ExecuteScalar() is long id ? Read(conn, id, study) : null;
    }

    public void Dispose() => _source.Dispose();

    // ---- helpers ----

    private const string Columns = "id, study_id, number, state, params, objective_values, worker, started, heartbeat, finished, message, retry_of";

    /// <summary>One transaction on a known study; an exception rolls everything back.</summary>
    private T Write<T>(string study, Func<NpgsqlConnection, long, T> body)
    {
        long s = Study(study).Id;
        using var conn = _source.OpenConnection();
        using var tx = conn.BeginTransaction();
        T result = body(conn, s);
        tx.Commit();
        return result;
    }

    private (long Id, StudyInfo Info) Study(string name)
    {
        lock (_cache)
            if (_studies.TryGetValue(name, out var known)) return known;
        using var conn = _source.OpenConnection();
        return FindStudy(conn, name) ?? throw new KeyNotFoundException($"{Location}: no study '{name}'");
    }

    private (long Id, StudyInfo Info)? FindStudy(NpgsqlConnection conn, string name)
    {
        lock (_cache)
            if (_studies.TryGetValue(name, out var known)) return known;
        using var cmd = Command(conn, "SELECT id, objectives, space, seed, created FROM emamba_studies WHERE name = @n", ("n", name));
        using var r = cmd.ExecuteReader();
        if (!r.Read()) return null;
        var info = new StudyInfo(name, StoredForm.Objectives(r.GetString(1), Location), r.GetString(2), r.GetInt64(3), r.GetDateTime(4));
        lock (_cache) return _studies[name] = (r.GetInt64(0), info);   // a definition never changes, so it is cached
    }

    private (long Id, TrialState State) Locate(NpgsqlConnection conn, long s, string study, int number)
    {
        using var cmd = Command(conn, "SELECT id, state FROM emamba_trials WHERE study_id = @s AND number = @n FOR UPDATE", ("s", s), ("n", number));
        using var r = cmd.ExecuteReader();
        if (!r.Read()) throw new KeyNotFoundException($"{Location}: study '{study}' has no trial {number}");
        return (r.GetInt64(0), TrialStates.FromColumn(r.GetString(1)));
    }

    private Trial Insert(NpgsqlConnection conn, long s, string study, TrialState state, TrialParams parameters, string? worker, int? retryOf)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int number = Scalar<int>(conn, "UPDATE emamba_studies SET next_number = next_number + 1 WHERE id = @s RETURNING next_number - 1", ("s", s));
        bool running = state == TrialState.Running;
        long id = Scalar<long>(conn, """
            INSERT INTO emamba_trials (study_id, number, state, params, worker, started, heartbeat, retry_of)
            VALUES (@s, @n, @state, @p, @w, CASE WHEN @running THEN now() END, CASE WHEN @running THEN now() END, @retry) RETURNING id
            """, ("s", s), ("n", number), ("state", state.Column()), ("p", parameters.ToJson()), ("w", worker), ("running", running), ("retry", retryOf));
        return Read(conn, id, study);
    }

    private static void End(NpgsqlConnection conn, long id, TrialState state, double[]? values, string? message) =>
        Exec(conn, "UPDATE emamba_trials SET state = @state, objective_values = @v, finished = now(), message = @m WHERE id = @t",
            ("state", state.Column()), ("v", values), ("m", message), ("t", id));

    private static Trial Read(NpgsqlConnection conn, long id, string study)
    {
        var steps = new SortedDictionary<int, double[]>();
        using (var cmd = Command(conn, "SELECT step, vals FROM emamba_reports WHERE trial_id = @t", ("t", id)))
        using (var r = cmd.ExecuteReader())
            while (r.Read()) steps[r.GetInt32(0)] = r.GetFieldValue<double[]>(1);
        using (var cmd = Command(conn, $"SELECT {Columns} FROM emamba_trials WHERE id = @t", ("t", id)))
        using (var r = cmd.ExecuteReader())
        {
            r.Read();
            return Map(r, study, steps);
        }
    }

    private static Trial Map(NpgsqlDataReader r, string study, SortedDictionary<int, double[]> reports)
    {
        string? Text(int i) => r.IsDBNull(i) ? null : r.GetString(i);
        DateTime? Time(int i) => r.IsDBNull(i) ? null : r.GetDateTime(i);
        return new Trial(study, r.GetInt32(2), TrialStates.FromColumn(r.GetString(3)), TrialParams.Parse(r.GetString(4)),
            r.IsDBNull(5) ? null : r.GetFieldValue<double[]>(5), reports, Text(6), Time(7), Time(8), Time(9), Text(10),
            r.IsDBNull(11) ? null : r.GetInt32(11));
    }

    private static NpgsqlCommand Command(NpgsqlConnection conn, string sql, params (string Name, object? Value)[] args)
    {
        var cmd = new NpgsqlCommand(sql, conn);
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }

    private static void Exec(NpgsqlConnection conn, string sql, params (string, object?)[] args)
    {
        using var cmd = Command(conn, sql, args);
        cmd.ExecuteNonQuery();
    }

    private static T Scalar<T>(NpgsqlConnection conn, string sql, params (string, object?)[] args)
    {
        using var cmd = Command(conn, sql, args);
        return (T)cmd.ExecuteScalar()!;
    }
}
