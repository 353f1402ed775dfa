using Workspaces.Shared.Languages;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>
/// Which server serves a language: the defaults below, then the administrator's rows (bootstrap), then the repository's
/// (<c>.gitpod.yml</c> <c>languageServers:</c>); a row replaces the earlier one of the same name, and an empty command
/// turns it off.
/// </summary>
public sealed class LanguageServerTable
{
    public static IReadOnlyList<LanguageServerDefinition> Defaults => LanguageServerDefaults.Rows;

    private readonly Dictionary<string, LanguageServerDefinition> _byName = new(StringComparer.Ordinal);

    public LanguageServerTable(params IEnumerable<LanguageServerDefinition>?[] layers)
    {
        foreach (var row in Defaults.Concat(layers.Where(l => l is not null).SelectMany(l => l!)))
        {
            _byName[row.Name] = row;
        }
    }

    public IEnumerable<LanguageServerDefinition> Rows => _byName.Values.Where(r => r.Command.Length > 0);

    /// <summary>The server for a Monaco language id, or null when no row serves it.</summary>
    public LanguageServerDefinition? Find(string language) =>
        Rows.LastOrDefault(r => r.Languages.Contains(language, StringComparer.Ordinal));

    /// <summary>The executable a command names: an absolute path, or the first match on <paramref name="path"/>; null when none.</summary>
    public static string? Resolve(string command, string? path)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(command) ? Path.GetFullPath(command) : null;
        }

        foreach (var directory in (path ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, command);
            if (File.Exists(candidate) && !OperatingSystem.IsWindows() && (File.GetUnixFileMode(candidate) & (UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) != 0)
            {
                return candidate;
            }
        }

        return null;
    }
}
