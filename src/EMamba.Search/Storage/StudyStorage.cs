using Npgsql;

namespace EMamba.Search.Storage;

/// <summary>Opens a study storage from the text a user gives <c>--storage</c>.</summary>
public static class StudyStorage
{
    public const string AcceptedForms =
        "sqlite:PATH (or Optuna's sqlite:///PATH), a path ending in .db, .sqlite or .sqlite3, "
        + "or postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE (also postgres://)";

    /// <summary>A worker id for this process: host and pid, unique among live workers on a study.</summary>
    public static string ThisProcess => $"{Environment.MachineName}:{Environment.ProcessId}";

    public static IStudyStorage Open(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        string u = url.Trim();
        if (u.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase) || u.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase))
        {
            var (connectionString, shown) = Postgres(u);
            return new PostgresStudyStorage(connectionString, shown);
        }
        if (u.StartsWith("sqlite:", StringComparison.OrdinalIgnoreCase))
        {
            string path = u["sqlite:".Length..];
            if (path.StartsWith("///", StringComparison.Ordinal)) path = path[3..];   // sqlite:///rel.db, sqlite:////abs.db
            if (path.Length == 0) throw new StudyStorageException($"'{url}' names no file; accepted: {AcceptedForms}");
            return new SqliteStudyStorage(path);
        }
        if (!u.Contains("://", StringComparison.Ordinal) && Path.GetExtension(u).ToLowerInvariant() is ".db" or ".sqlite" or ".sqlite3")
            return new SqliteStudyStorage(u);
        throw new StudyStorageException($"'{Redacted(url)}' is not a study storage; accepted: {AcceptedForms}");
    }

    /// <summary>The Npgsql connection string for a postgresql:// URL, and the URL as messages show it (no
    /// password). Query parameters are passed on as connection string keywords (e.g. ?sslmode=require).</summary>
    internal static (string ConnectionString, string Shown) Postgres(string url)
    {
        string shown = Redacted(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
            throw new StudyStorageException($"'{shown}' is not a valid PostgreSQL URL; expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
        string database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'));
        if (database.Length == 0 || database.Contains('/'))
            throw new StudyStorageException($"'{shown}' names no database; expected postgresql://USER[:PASSWORD]@HOST[:PORT]/DATABASE");
        string[] user = uri.UserInfo.Split(':', 2);
        var b = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host.Trim('[', ']'),
            Port = uri.IsDefaultPort || uri.Port < 0 ? 5432 : uri.Port,
            Database = database,
            Timeout = 10,
        };
        if (user[0].Length > 0) b.Username = Uri.UnescapeDataString(user[0]);
        if (user.Length == 2) b.Password = Uri.UnescapeDataString(user[1]);
        foreach (string pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = pair.Split('=', 2);
            try { b[Uri.UnescapeDataString(kv[0])] = kv.Length == 2 ? Uri.UnescapeDataString(kv[1]) : ""; }
            catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException)
            { throw new StudyStorageException($"'{shown}': bad connection option '{Uri.UnescapeDataString(kv[0])}': {e.Message}", e); }
        }
        return (b.ConnectionString, shown);
    }

    /// <summary>The URL without its password (postgresql://user@host/db), for messages.</summary>
    internal static string Redacted(string url)
    {
        int scheme = url.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0) return url;
        int start = scheme + 3;
        int end = url.IndexOfAny(['/', '?'], start);
        string authority = end < 0 ? url[start..] : url[start..end];
        int at = authority.LastIndexOf('@');   // a raw '@' in a password still ends at the last one
        int colon = at < 0 ? -1 : authority.IndexOf(':');
        if (colon < 0 || colon > at) return url;
        return url[..start] + authority[..colon] + authority[at..] + (end < 0 ? "" : url[end..]);
    }
}
