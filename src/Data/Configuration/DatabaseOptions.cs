namespace Workspaces.Data.Configuration;

/// <summary>
/// Where the database is. Section <c>Workspaces:Database</c>; the connection string may also come from
/// <c>ConnectionStrings:Workspaces</c> (e.g. a Kubernetes secret mapped to <c>ConnectionStrings__Workspaces</c>).
/// </summary>
public sealed class DatabaseOptions
{
    public const string SectionName = "Workspaces:Database";

    /// <summary>The name under <c>ConnectionStrings</c> that is used when <see cref="ConnectionString"/> is not set.</summary>
    public const string ConnectionStringName = "Workspaces";

    /// <summary><c>Sqlite</c> (default) or <c>Postgres</c>, case-insensitive.</summary>
    public string Provider { get; set; } = nameof(DatabaseProvider.Sqlite);

    /// <summary>
    /// The ADO.NET connection string. After configuration this is the effective one: <c>Workspaces:Database:ConnectionString</c>,
    /// else <c>ConnectionStrings:Workspaces</c>, else (SQLite only) <c>Data Source={data directory}/workspaces.db</c>.
    /// </summary>
    public string? ConnectionString { get; set; }

    /// <summary>The configured provider. Valid options always have one; otherwise this throws with the validation message.</summary>
    public DatabaseProvider GetProvider() =>
        TryParseProvider(Provider, out var provider)
            ? provider
            : throw new InvalidOperationException(ValidateDatabaseOptions.InvalidProviderMessage(Provider));

    internal static bool TryParseProvider(string? value, out DatabaseProvider provider)
    {
        foreach (var candidate in Enum.GetValues<DatabaseProvider>())
        {
            if (string.Equals(value?.Trim(), candidate.ToString(), StringComparison.OrdinalIgnoreCase))
            {
                provider = candidate;
                return true;
            }
        }

        provider = default;
        return false;
    }
}
