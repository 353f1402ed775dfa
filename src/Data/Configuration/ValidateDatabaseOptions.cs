using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Workspaces.Data.Configuration;

/// <summary>Validates <see cref="DatabaseOptions"/> at start-up; every message names the configuration key to fix.</summary>
public sealed class ValidateDatabaseOptions : IValidateOptions<DatabaseOptions>
{
    private const string ProviderKey = DatabaseOptions.SectionName + ":Provider";
    private const string ConnectionStringKey = DatabaseOptions.SectionName + ":ConnectionString";
    private const string ConnectionStringKeys = ConnectionStringKey + " (or ConnectionStrings:" + DatabaseOptions.ConnectionStringName + ")";

    public ValidateOptionsResult Validate(string? name, DatabaseOptions options)
    {
        if (!DatabaseOptions.TryParseProvider(options.Provider, out var provider))
        {
            return ValidateOptionsResult.Fail(InvalidProviderMessage(options.Provider));
        }

        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            return ValidateOptionsResult.Fail($"{ConnectionStringKeys} is required when {ProviderKey} is {provider}.");
        }

        // Messages from the builders name the offending keyword, never the connection string (it may hold a password).
        try
        {
            DbConnectionStringBuilder builder = provider switch
            {
                DatabaseProvider.Sqlite => new SqliteConnectionStringBuilder(options.ConnectionString),
                _ => new NpgsqlConnectionStringBuilder(options.ConnectionString),
            };

            if (builder is NpgsqlConnectionStringBuilder { Host: null or "" })
            {
                return ValidateOptionsResult.Fail($"{ConnectionStringKeys} must set Host when {ProviderKey} is {provider}.");
            }

            if (builder is SqliteConnectionStringBuilder { DataSource: null or "" })
            {
                return ValidateOptionsResult.Fail($"{ConnectionStringKeys} must set Data Source when {ProviderKey} is {provider}.");
            }
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return ValidateOptionsResult.Fail($"{ConnectionStringKeys} is not a valid {provider} connection string: {e.Message}");
        }

        return ValidateOptionsResult.Success;
    }

    internal static string InvalidProviderMessage(string? value) =>
        $"{ProviderKey} must be {nameof(DatabaseProvider.Sqlite)} or {nameof(DatabaseProvider.Postgres)} (was '{value}').";
}
