using System.Diagnostics.CodeAnalysis;
using Workspaces.Shared.Variables;

namespace Workspaces.Shared.Repositories;

/// <summary>
/// An open-workspace link's fragment: an optional list of variables, then the repository
/// (<c>VAR=value,OTHER=x/https://host/org/repo</c>). Variables go through <see cref="VariableRules"/>, the rule the API
/// shares: a name of a refused family (loader hooks, proxies, Git redirection, …), a value with control or invisible
/// characters, or too many or too long variables are refused with a message, so a link someone else made cannot take over
/// the workspace it opens.
/// </summary>
public static class OpenLink
{
    /// <summary>At most this many variables in one link.</summary>
    public const int MaxVariables = VariableRules.MaxVariables;

    public const int MaxValueLength = VariableRules.MaxValueLength;

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
        if (split < 0 && LooksLikeVariables(text))
        {
            error = "The link sets variables but no repository follows them (an https://, http:// or file:// URL, or an absolute path): write /#NAME=value/https://host/org/repo.";
            return false;
        }

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
            if (VariableRules.Refusal(name, value) is { } refused)
            {
                error = refused;
                return false;
            }

            if (!parsed.TryAdd(name, value))
            {
                error = $"The link sets {name} twice; keep one.";
                return false;
            }
        }

        if (VariableRules.SetRefusal(parsed) is { } tooMuch)
        {
            error = tooMuch;
            return false;
        }

        variables = parsed;
        repository = text[(split + 1)..];
        return true;
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

    private static bool LooksLikeVariables(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return equals > 0 && (slash < 0 || equals < slash) && (colon < 0 || equals < colon);
    }

    private static string Shorten(string text) => text.Length > 40 ? text[..40] + "…" : text;
}
