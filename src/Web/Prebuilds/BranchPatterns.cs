using System.Text;
using System.Text.RegularExpressions;

namespace Workspaces.Web.Prebuilds;

/// <summary>Branch patterns, one per line: <c>*</c> matches within a path segment, <c>**</c> across segments (<c>release/**</c>).</summary>
public static class BranchPatterns
{
    public const int MaxPatterns = 50;

    public static IReadOnlyList<string> Parse(string? text) =>
        [.. (text ?? "").Split(['\n', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>A problem with the patterns, or null when they are fine.</summary>
    public static string? Problem(string? text)
    {
        var patterns = Parse(text);
        if (patterns.Count > MaxPatterns)
        {
            return $"At most {MaxPatterns} patterns.";
        }

        return patterns.FirstOrDefault(p => p.Any(char.IsWhiteSpace) || p.Contains("..", StringComparison.Ordinal)) is { } bad
            ? $"\"{bad}\" is not a branch pattern: no spaces, no \"..\"."
            : null;
    }

    /// <summary>True when <paramref name="branch"/> matches a pattern; with no patterns, only <paramref name="defaultBranch"/> does.</summary>
    public static bool Matches(string? text, string branch, string? defaultBranch)
    {
        var patterns = Parse(text);
        if (patterns.Count == 0)
        {
            return defaultBranch is not null && branch == defaultBranch;
        }

        return patterns.Any(p => ToRegex(p).IsMatch(branch));
    }

    private static Regex ToRegex(string pattern)
    {
        var builder = new StringBuilder("^");
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i] == '*' && i + 1 < pattern.Length && pattern[i + 1] == '*')
            {
                builder.Append(".*");
                i++;
            }
            else if (pattern[i] == '*')
            {
                builder.Append("[^/]*");
            }
            else
            {
                builder.Append(Regex.Escape(pattern[i].ToString()));
            }
        }

        return new Regex(builder.Append('$').ToString(), RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
    }
}
