using Npgsql;
using Workspaces.Data.Configuration;

namespace Workspaces.Data.Tests.TestDatabases;

/// <summary>
/// A uniquely named database on the test PostgreSQL server named by <c>WORKSPACES_TEST_POSTGRES</c>, dropped on
/// dispose. Without that variable it throws (tests fail, never skip) and says how to start a server.
/// </summary>
public sealed class PostgresTestDatabase : ITestDatabase
{
    public const string EnvironmentVariable = "WORKSPACES_TEST_POSTGRES";

    private readonly string _serverConnectionString;

    private PostgresTestDatabase(string serverConnectionString, string databaseName, string dataDirectory)
    {
        _serverConnectionString = serverConnectionString;
        DatabaseName = databaseName;
        DataDirectory = dataDirectory;
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = databaseName }.ConnectionString;
    }

    public string DatabaseName { get; }

    /// <summary>Connection string of the new, empty database.</summary>
    public string ConnectionString { get; }

    public DatabaseProvider Provider => DatabaseProvider.Postgres;

    public string DataDirectory { get; }

    public IReadOnlyDictionary<string, string?> Configuration => new Dictionary<string, string?>
    {
        ["Workspaces:Database:Provider"] = "Postgres",
        ["Workspaces:Database:ConnectionString"] = ConnectionString,
    };

    /// <summary>Creates an empty database named <c>{prefix}_{random}</c>.</summary>
    public static async Task<PostgresTestDatabase> CreateAsync(string prefix = "test", CancellationToken cancellationToken = default)
    {
        var server = ServerConnectionString(Environment.GetEnvironmentVariable(EnvironmentVariable));
        var name = $"{prefix}_{Guid.NewGuid():N}".ToLowerInvariant();
        if (name.Length > 63)
        {
            name = name[^63..];
        }

        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var dataDirectory = Directory.CreateTempSubdirectory("workspaces-tests-").FullName;
        return new PostgresTestDatabase(server, name, dataDirectory);
    }

    /// <summary>The administrative connection string (database <c>postgres</c>) from the environment variable's value.</summary>
    public static string ServerConnectionString(string? environmentValue)
    {
        if (string.IsNullOrWhiteSpace(environmentValue))
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set, so the PostgreSQL tests have no server. Run the tests with the README's test command, " +
                $"or start a throwaway server first: export {EnvironmentVariable}=\"$(scripts/postgres-for-tests.sh start)\" " +
                "(and scripts/postgres-for-tests.sh stop when done).");
        }

        return new NpgsqlConnectionStringBuilder(environmentValue) { Database = "postgres", Pooling = false }.ConnectionString;
    }

    public async ValueTask DisposeAsync()
    {
        using (var pooled = new NpgsqlConnection(ConnectionString))
        {
            NpgsqlConnection.ClearPool(pooled);
        }

        await using (var connection = new NpgsqlConnection(_serverConnectionString))
        {
            await connection.OpenAsync();
            // FORCE ends connections still open from pools this class does not know about (EF Core's data sources).
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
        }

        Directory.Delete(DataDirectory, recursive: true);
    }
}
