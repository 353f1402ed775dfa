using System.Text.RegularExpressions;

namespace Workspaces.Web.Variables;

/// <summary>
/// Which repositories a personal variable applies to: <c>*/*</c> (all), or <c>owner/repo</c> where <c>*</c> stands for
/// any characters, matched case-insensitively against the repository's <c>org/repo</c> path.
/// </summary>
public static class RepositoryPatterns
{
    public const string All = "*/*";

    public static string? Problem(string? pattern) =>
        string.IsNullOrWhiteSpace(pattern) ? null
        : pattern.Length > 200 ? "At most 200 characters."
        : pattern.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)) ? "No spaces or control characters."
        : !pattern.Contains('/', StringComparison.Ordinal) ? "Write owner/repo; * stands for any characters (e.g. acme/*)."
        : null;

    public static bool Matches(string pattern, string repositoryPath)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        ArgumentNullException.ThrowIfNull(repositoryPath);
        if (pattern == All)
        {
            return true;
        }

        var regex = "^" + string.Join(".*", pattern.Split('*').Select(Regex.Escape)) + "$";
        return Regex.IsMatch(repositoryPath.Trim('/'), regex, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromMilliseconds(100));
    }
}
