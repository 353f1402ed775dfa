using Workspaces.Data.Configuration;

namespace Workspaces.Data.Tests.TestDatabases;

/// <summary>A database that exists only for a test (or a test class) and is deleted when disposed.</summary>
public interface ITestDatabase : IAsyncDisposable
{
    DatabaseProvider Provider { get; }

    /// <summary>The data directory to pass to <c>AddWorkspacesData</c>.</summary>
    string DataDirectory { get; }

    /// <summary>Configuration values selecting this database (<c>Workspaces:Database:*</c>).</summary>
    IReadOnlyDictionary<string, string?> Configuration { get; }
}
