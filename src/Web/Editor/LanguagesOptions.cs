using Microsoft.Extensions.Options;

namespace Workspaces.Web.Editor;

/// <summary>Language servers in workspaces (<c>Workspaces:Languages:…</c>), passed to each agent at start.</summary>
public sealed class LanguagesOptions
{
    public const string SectionName = "Workspaces:Languages";

    /// <summary>Rows by name replacing or adding to the default table (<c>Workspaces:Languages:Servers:python:Command</c>).</summary>
    public Dictionary<string, LanguageServerOptions> Servers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A language server nobody used for this long is stopped; it starts again when needed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A request a language server has not answered in this time is cancelled.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a repository's <c>.gitpod.yml</c> <c>languageServers</c> may change the table.</summary>
    public bool AllowRepositoryServers { get; set; } = true;

    public Shared.Languages.LanguageSettings ToSettings() => new(
        Servers.Select(row => new Shared.Languages.LanguageServerDefinition(
            row.Key,
            row.Value.Languages.Count > 0 ? row.Value.Languages : Shared.Languages.LanguageServerDefaults.LanguagesOf(row.Key),
            row.Value.Command ?? string.Empty,
            row.Value.Args,
            row.Value.Install ?? $"ask the administrator: {row.Value.Command} is configured but not installed in the workspace image")).ToList(),
        IdleTimeout,
        RequestTimeout,
        AllowRepositoryServers);
}

public sealed class LanguageServerOptions
{
    /// <summary>Monaco language ids; empty keeps the default row's.</summary>
    public List<string> Languages { get; set; } = [];

    /// <summary>An executable on the workspace's PATH or an absolute path; empty turns the row off.</summary>
    public string? Command { get; set; }

    public List<string> Args { get; set; } = [];

    /// <summary>What users are told to install when the command is missing.</summary>
    public string? Install { get; set; }
}

public sealed class LanguagesOptionsValidator : IValidateOptions<LanguagesOptions>
{
    public ValidateOptionsResult Validate(string? name, LanguagesOptions options)
    {
        var failures = new List<string>();
        if (options.IdleTimeout < TimeSpan.FromSeconds(10) || options.RequestTimeout < TimeSpan.FromSeconds(1) || options.RequestTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Workspaces:Languages:IdleTimeout must be at least 00:00:10 and Workspaces:Languages:RequestTimeout between 00:00:01 and 00:10:00 (got {options.IdleTimeout} and {options.RequestTimeout}).");
        }

        foreach (var (serverName, row) in options.Servers)
        {
            if (row.Command is null || (row.Languages.Count == 0 && Shared.Languages.LanguageServerDefaults.LanguagesOf(serverName).Count == 0 && row.Command.Length > 0))
            {
                failures.Add($"Workspaces:Languages:Servers:{serverName} needs Command (empty turns the row off) and, for a name that is not a default row, Languages.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
