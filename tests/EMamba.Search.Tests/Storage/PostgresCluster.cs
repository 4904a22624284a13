using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace EMamba.Search.Tests.Storage;

/// <summary>A throwaway PostgreSQL server for the tests: initdb in a temp folder, postgres on a free port of
/// 127.0.0.1 only (its unix socket in the temp folder too), password authentication over TCP, stopped and
/// deleted at dispose. Started on first use, so skipped tests start nothing. initdb refuses to run as root,
/// so as root every server binary runs as the `postgres` system user (via runuser) on a folder it owns.</summary>
public sealed class PostgresCluster : IDisposable
{
    public const string User = "postgres";
    public const string Password = "emamba-test-secret";

    /// <summary>The folder holding initdb and pg_ctl (the newest version installed), or null.</summary>
    public static readonly string? Bin = FindBin();

    /// <summary>Why the PostgreSQL tests cannot run here, or null when they can.</summary>
    public static readonly string? Missing =
        Bin is null ? "PostgreSQL server binaries (initdb, pg_ctl) are not under /usr/lib/postgresql/*/bin (run build/setup.sh test)"
        : Environment.IsPrivilegedProcess && !File.ReadLines("/etc/passwd").Any(l => l.StartsWith(User + ":", StringComparison.Ordinal))
            ? "running as root, and there is no 'postgres' user to run the server as" : null;

    private readonly Lock _gate = new();
    private string? _dir;
    private int _port;
    private int _databases;

    public int Port { get { Start(); return _port; } }

    public string Url(string database, string password = Password) => $"postgresql://{User}:{password}@127.0.0.1:{Port}/{database}";

    /// <summary>A new empty database; its URL.</summary>
    public string NewDatabase()
    {
        Start();
        string name;
        lock (_gate) name = $"study_{++_databases}";
        using var conn = new NpgsqlConnection($"Host=127.0.0.1;Port={_port};Username={User};Password={Password};Database=postgres;Pooling=false");
        conn.Open();
        using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", conn);
        cmd.ExecuteNonQuery();
        return Url(name);
    }

    private void Start()
    {
        lock (_gate)
        {
            if (_dir is not null) return;
            if (Missing is not null) throw new InvalidOperationException(Missing);
            string dir = Directory.CreateTempSubdirectory("emamba-pg-").FullName;
            try
            {
                File.WriteAllText(Path.Combine(dir, "pwfile"), Password + "\n");
                if (Environment.IsPrivilegedProcess) Run("chown", "-R", User, dir);
                Server("initdb", "-D", Path.Combine(dir, "data"), "-U", User, "--pwfile", Path.Combine(dir, "pwfile"),
                    "--auth-host=scram-sha-256", "--auth-local=trust", "-E", "UTF8", "--no-sync");
                // A free port can be taken between asking and listening: try a few.
                for (int attempt = 1; ; attempt++)
                {
                    int port = FreePort();
                    try
                    {
                        Server("pg_ctl", "-D", Path.Combine(dir, "data"), "-l", Path.Combine(dir, "log"), "-w", "-t", "60",
                            "-o", $"-c listen_addresses=127.0.0.1 -p {port} -k {dir} -c fsync=off -c max_connections=200", "start");
                        _port = port;
                        break;
                    }
                    catch (InvalidOperationException) when (attempt < 3) { }
                }
                _dir = dir;
            }
            catch
            {
                Directory.Delete(dir, recursive: true);
                throw;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_dir is null) return;
            NpgsqlConnection.ClearAllPools();
            try { Server("pg_ctl", "-D", Path.Combine(_dir, "data"), "-m", "immediate", "-w", "stop"); }
            finally { Directory.Delete(_dir, recursive: true); _dir = null; }
        }
    }

    private static string? FindBin()
    {
        if (!Directory.Exists("/usr/lib/postgresql")) return null;
        return Directory.GetDirectories("/usr/lib/postgresql")
            .Select(v => Path.Combine(v, "bin"))
            .Where(b => File.Exists(Path.Combine(b, "initdb")) && File.Exists(Path.Combine(b, "pg_ctl")))
            .OrderByDescending(b => int.TryParse(Path.GetFileName(Path.GetDirectoryName(b)), out int v) ? v : 0)
            .FirstOrDefault();
    }

    private static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    private static void Server(string tool, params string[] args)
    {
        string exe = Path.Combine(Bin!, tool);
        if (Environment.IsPrivilegedProcess) Run("runuser", ["-u", User, "--", exe, .. args]);
        else Run(exe, args);
    }

    private static void Run(string exe, params string[] args)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{exe} {string.Join(' ', args)} exited with {p.ExitCode}:\n{stdout.Result}\n{stderr}");
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "postgres";
}
