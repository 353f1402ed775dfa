using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Workspaces.Shared.Repositories;

/// <summary>
/// An open-workspace link's fragment: an optional list of variables, then the repository
/// (<c>VAR=value,OTHER=x/https://host/org/repo</c>). Variables a shell or the dynamic loader would run code from
/// (<c>LD_*</c>, <c>BASH_ENV</c>, <c>PROMPT_COMMAND</c>, <c>ENV</c>, …) and values with control characters are refused
/// with a message, so a link someone else made cannot take over the workspace it opens.
/// </summary>
public static partial class OpenLink
{
    /// <summary>At most this many variables in one link.</summary>
    public const int MaxVariables = 32;

    public const int MaxValueLength = 1024;

    private static readonly HashSet<string> RefusedNames = new(StringComparer.OrdinalIgnoreCase)
    {
        "BASH_ENV", "ENV", "PROMPT_COMMAND", "SHELLOPTS", "BASHOPTS", "PS4", "IFS", "PATH", "HOME", "SHELL", "GIT_SSH_COMMAND",
        "GIT_EXEC_PATH", "GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "NODE_OPTIONS", "PYTHONSTARTUP", "PERL5OPT", "RUBYOPT",
    };

    private static readonly string[] RefusedPrefixes = ["LD_", "DYLD_", "BASH_FUNC_", "GIT_CONFIG_"];

    private static readonly string[] UrlStarts = ["https://", "http://", "file://", "/"];

    /// <summary>Splits a link into its variables and the repository text (not yet parsed as a repository).</summary>
    public static bool TryParse(
        string input,
        [NotNullWhen(true)] out IReadOnlyDictionary<string, string>? variables,
        [NotNullWhen(true)] out string? repository,
        [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(input);
        variables = null;
        repository = null;
        error = null;
        var text = input.Trim();
        var split = text.StartsWith('/') || Array.Exists(UrlStarts, s => s != "/" && text.StartsWith(s, StringComparison.OrdinalIgnoreCase)) ? -1 : FindSplit(text);
        if (split < 0)
        {
            variables = new Dictionary<string, string>();
            repository = text;
            return true;
        }

        var parsed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in text[..split].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                error = $"\"{Shorten(pair)}\" in the link is not a variable: write NAME=value.";
                return false;
            }

            var name = pair[..equals];
            var value = pair[(equals + 1)..];
            if (Refusal(name, value) is { } refused)
            {
                error = refused;
                return false;
            }

            parsed[name] = value;
        }

        if (parsed.Count > MaxVariables)
        {
            error = $"The link sets {parsed.Count} variables; at most {MaxVariables} are allowed.";
            return false;
        }

        variables = parsed;
        repository = text[(split + 1)..];
        return true;
    }

    /// <summary>Why a variable may not be set from a link, or null if it may.</summary>
    public static string? Refusal(string name, string value)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(value);
        if (!ValidName().IsMatch(name))
        {
            return $"\"{Shorten(name)}\" is not a valid variable name: use letters, digits and underscores, not starting with a digit.";
        }

        if (RefusedNames.Contains(name) || Array.Exists(RefusedPrefixes, p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
        {
            return $"The link may not set {name}: it could make programs in the workspace run code from the link. Remove it from the link.";
        }

        if (value.Any(char.IsControl))
        {
            return $"The value of {name} contains control characters (such as a line break), which a link may not set.";
        }

        return value.Length > MaxValueLength ? $"The value of {name} is longer than {MaxValueLength} characters." : null;
    }

    // The variables end at the first slash that starts the repository (a URL or an absolute path).
    private static int FindSplit(string text)
    {
        for (var i = text.IndexOf('/', StringComparison.Ordinal); i >= 0; i = text.IndexOf('/', i + 1))
        {
            var rest = text[(i + 1)..];
            if (Array.Exists(UrlStarts, s => rest.StartsWith(s, StringComparison.OrdinalIgnoreCase)))
            {
                return text[..i].Contains('=', StringComparison.Ordinal) ? i : -1;
            }
        }

        return -1;
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex ValidName();
}
