using System.Globalization;
using System.Text;

namespace Workspaces.Shared.Repositories;

/// <summary>
/// Validates branch and tag names with the rules of <c>git check-ref-format --allow-onelevel</c>
/// (https://git-scm.com/docs/git-check-ref-format), plus two of our own: no leading <c>-</c> (git refuses such branch
/// names, and a ref that looks like an option must never reach a command line) and no invisible Unicode formatting
/// characters (a name must look like what it is).
/// </summary>
public static class GitRefName
{
    /// <summary>Longer refs are refused; each <c>/</c>-separated part must also fit a file name (255 UTF-8 bytes).</summary>
    public const int MaxLength = 1024;

    /// <summary>Whether <paramref name="name"/> is a valid branch or tag name.</summary>
    public static bool IsValid(string? name) => Validate(name) is null;

    /// <summary>Why <paramref name="name"/> is not a valid branch or tag name, in words for the user; null when it is valid.</summary>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "it is empty";
        }

        if (name.Length > MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"it is longer than {MaxLength} characters");
        }

        if (name == "@")
        {
            return "\"@\" alone is not a name";
        }

        if (name.StartsWith('-'))
        {
            return "it starts with \"-\"";
        }

        if (name.StartsWith('/') || name.EndsWith('/'))
        {
            return "it starts or ends with \"/\"";
        }

        if (name.EndsWith('.'))
        {
            return "it ends with \".\"";
        }

        foreach (var forbidden in new[] { "..", "//", "@{" })
        {
            if (name.Contains(forbidden, StringComparison.Ordinal))
            {
                return $"it contains \"{forbidden}\"";
            }
        }

        if (TextChecks.IndexOfInvisible(name) >= 0)
        {
            return "it contains a space or an invisible character";
        }

        var special = name.IndexOfAny(['~', '^', ':', '?', '*', '[', '\\']);
        if (special >= 0)
        {
            return $"it contains \"{name[special]}\" (not allowed: ~ ^ : ? * [ \\)";
        }

        foreach (var component in name.Split('/'))
        {
            if (component.StartsWith('.'))
            {
                return "a part of it starts with \".\"";
            }

            if (component.EndsWith(".lock", StringComparison.Ordinal))
            {
                return "a part of it ends with \".lock\"";
            }

            if (Encoding.UTF8.GetByteCount(component) > 255)
            {
                return "a part of it between \"/\" is longer than 255 bytes";
            }
        }

        return null;
    }
}
