using Microsoft.Data.Sqlite;
using Workspaces.Data.Configuration;

namespace Workspaces.Data.Tests.TestDatabases;

/// <summary>
/// A fresh data directory with no database settings, so <c>AddWorkspacesData</c> uses its embedded default
/// (<c>{directory}/workspaces.db</c>, WAL, pooling, busy timeout): the tests exercise what a laptop runs.
/// </summary>
public sealed class SqliteTestDatabase : ITestDatabase
{
    private SqliteTestDatabase(string dataDirectory) => DataDirectory = dataDirectory;

    public DatabaseProvider Provider => DatabaseProvider.Sqlite;

    /// <summary>Not created yet: <c>AddWorkspacesData</c> creates it.</summary>
    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "workspaces.db");

    public IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>();

    public static SqliteTestDatabase Create()
    {
        var root = Directory.CreateTempSubdirectory("workspaces-tests-").FullName;
        return new SqliteTestDatabase(Path.Combine(root, "data"));
    }

    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open; close them so the directory can go.
        SqliteConnection.ClearAllPools();
        var root = Path.GetDirectoryName(DataDirectory)!;
        if (Directory.Exists(root))
        {
            Directory.Delete(root, recursive: true);
        }

        return ValueTask.CompletedTask;
    }
}
