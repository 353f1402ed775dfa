using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>
/// A repository URL the agent can clone: http(s) or file. <see cref="Display"/> never carries the user info a URL may
/// embed (<c>https://user:token@host/...</c>), so it is safe in messages and logs.
/// </summary>
public sealed partial class RepositoryUrl
{
    private RepositoryUrl(string value, Uri uri)
    {
        Value = value;
        Display = Redact(value);
        Host = uri.IsFile ? "this machine" : uri.Authority;
        IsFile = uri.IsFile;
    }

    /// <summary>The URL as given, user info included: only for the Git library.</summary>
    public string Value { get; }

    public string Display { get; }

    /// <summary>Host and port (when not the scheme's default), the key credentials are stored under.</summary>
    public string Host { get; }

    public bool IsFile { get; }

    public override string ToString() => Display;

    /// <summary>
    /// Accepts only schemes the bundled libgit2 handles well: other schemes make it fail late or worse (an <c>ftp://</c>
    /// URL crashes the process inside libgit2 0.32's native library).
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out RepositoryUrl? url)
    {
        url = null;
        // A bare path would parse as a file URI on Unix; the contract is a URL.
        if (string.IsNullOrWhiteSpace(text)
            || !text.Contains("://", StringComparison.Ordinal)
            || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri)
            || uri.Scheme is not ("http" or "https" or "file"))
        {
            return false;
        }

        if (uri.IsFile ? uri.AbsolutePath.Length <= 1 : string.IsNullOrEmpty(uri.Host) || uri.AbsolutePath.Length <= 1)
        {
            return false;
        }

        url = new RepositoryUrl(text.Trim(), uri);
        return true;
    }

    /// <summary>Removes the user info of every URL in <paramref name="text"/> (error messages quote URLs).</summary>
    public static string Redact(string text) => UserInfo().Replace(text, "${scheme}://");

    [GeneratedRegex(@"(?<scheme>[a-zA-Z][a-zA-Z0-9+.-]*)://[^/\s@]+@")]
    private static partial Regex UserInfo();
}
