using System.Text.RegularExpressions;

namespace Workspaces.Web.Variables;

/// <summary>What a variable set by a project owner or a user may be called.</summary>
public static partial class VariableNames
{
    public const int MaxValueLength = 4000 - 1;

    /// <summary>Why <paramref name="name"/> cannot be a variable name, or null.</summary>
    public static string? Problem(string? name) =>
        string.IsNullOrEmpty(name) ? "Required."
        : name.Length > 128 ? "At most 128 characters."
        : !Valid().IsMatch(name) ? "Use letters, digits and underscores, not starting with a digit (e.g. DATABASE_URL)."
        : null;

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex Valid();
}
