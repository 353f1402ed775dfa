using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;

namespace Workspaces.Data.Sqlite;

/// <summary>How the embedded default opens its database.</summary>
internal static class SqliteDatabase
{
    public const string FileName = "workspaces.db";

    /// <summary>
    /// <c>Default Timeout</c> is how long Microsoft.Data.Sqlite keeps retrying a statement (or <c>BEGIN IMMEDIATE</c>)
    /// that gets SQLITE_BUSY/LOCKED because another connection is writing: with WAL, writers queue instead of failing.
    /// </summary>
    public const int DefaultTimeoutSeconds = 30;

    public static string DefaultConnectionString(string dataDirectory) =>
        new SqliteConnectionStringBuilder
        {
            DataSource = Path.Combine(Path.GetFullPath(dataDirectory), FileName),
            Pooling = true,
            DefaultTimeout = DefaultTimeoutSeconds,
        }.ToString();

    public static void Configure(DbContextOptionsBuilder builder, string connectionString)
    {
        Prepare(connectionString);
        builder.UseSqlite(connectionString);
    }

    /// <summary>
    /// Creates the database file's directory and switches the file to write-ahead logging. The journal mode is a
    /// property of the file, so once per process is enough; WAL lets readers run while one writer commits.
    /// </summary>
    private static void Prepare(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        if (IsInMemory(builder))
        {
            return;
        }

        var directory = Path.GetDirectoryName(Path.GetFullPath(builder.DataSource));
        if (!string.IsNullOrEmpty(directory) && builder.Mode is SqliteOpenMode.ReadWriteCreate)
        {
            Directory.CreateDirectory(directory);
        }

        if (builder.Mode is SqliteOpenMode.ReadOnly)
        {
            return;
        }

        using var connection = new SqliteConnection(connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode=WAL;";
        command.ExecuteNonQuery();
    }

    private static bool IsInMemory(SqliteConnectionStringBuilder builder) =>
        builder.Mode is SqliteOpenMode.Memory
        || string.Equals(builder.DataSource, ":memory:", StringComparison.Ordinal)
        || string.IsNullOrEmpty(builder.DataSource);
}
