namespace Workspaces.Data.Configuration;

public enum DatabaseProvider
{
    /// <summary>The embedded default: one file under the data directory.</summary>
    Sqlite,

    /// <summary>Production.</summary>
    Postgres,
}
