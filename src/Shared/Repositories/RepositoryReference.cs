using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Workspaces.Shared.Repositories;

/// <summary>How a repository is reached.</summary>
public enum RepositoryReferenceKind
{
    Https,
    Http,

    /// <summary>A <c>file:///</c> URL: a repository on the server's own disk.</summary>
    File,

    /// <summary>An absolute path (<c>/srv/git/x.git</c>): a repository on the server's own disk.</summary>
    LocalPath,
}

/// <summary>
/// A repository to clone, parsed from what a user pastes, an <c>/#&lt;url&gt;</c> open link or a REST API field.
/// </summary>
/// <remarks>
/// <para>Accepted: <c>https://</c> and <c>http://</c> URLs (with or without <c>.git</c>); web links to a branch —
/// GitHub's <c>/org/repo/tree/&lt;branch&gt;</c>, GitLab's <c>/group/sub/repo/-/tree/&lt;branch&gt;</c>, Gitea's
/// <c>/org/repo/src/branch/&lt;branch&gt;</c> — where everything after the marker is the branch (it may contain
/// <c>/</c>); a <c>?ref=&lt;branch&gt;</c> query; <c>file:///abs/path</c>; and absolute paths. Leading and trailing white
/// space (a pasted line break) is removed first; any inside is refused.</para>
/// <para>Refused, with a message that says what to do instead: SSH URLs (<c>ssh://</c>, <c>git@host:org/repo</c>),
/// other schemes, user names or tokens inside the URL (they would be stored and logged with it), relative paths,
/// <c>.</c>/<c>..</c> path segments, more than <see cref="MaxLength"/> characters, and refs that are not valid
/// Git ref names (<see cref="GitRefName"/>). Messages never repeat a credential found in the input.</para>
/// <para><see cref="RepositoryReferenceKind.File"/> and <see cref="RepositoryReferenceKind.LocalPath"/> name the
/// server's own disk: whoever accepts them must decide who may clone from there (an administrator, the embedded
/// single-user mode), because any readable repository on the server could be named.</para>
/// </remarks>
public sealed partial class RepositoryReference
{
    /// <summary>Longer input is refused.</summary>
    public const int MaxLength = 2048;

    /// <summary>The longest <see cref="SuggestedDirectoryName"/>.</summary>
    public const int MaxDirectoryNameLength = 100;

    private static readonly HashSet<string> SshSchemes = new(StringComparer.OrdinalIgnoreCase) { "ssh", "git+ssh", "ssh+git", "sftp" };

    private static readonly HashSet<string> NonGitSchemes = new(StringComparer.OrdinalIgnoreCase)
    {
        "javascript", "vbscript", "data", "blob", "about", "mailto", "tel", "ftp", "ftps", "file", "http", "https", "ws", "wss", "view-source", "chrome", "urn", "magnet",
    };

    /// <summary>Web pages of a repository (GitHub and Gitea write them as <c>/org/repo/&lt;page&gt;/…</c>).</summary>
    private static readonly HashSet<string> RepositoryPages = new(StringComparer.Ordinal)
    {
        "blob", "commit", "commits", "pull", "pulls", "issues", "releases", "actions", "wiki", "compare", "tags", "branches", "raw", "blame",
    };

    private RepositoryReference(string cloneUrl, string? @ref, RepositoryReferenceKind kind, string? host, string displayName, string repositoryName)
    {
        CloneUrl = cloneUrl;
        Ref = @ref;
        Kind = kind;
        Host = host;
        DisplayName = displayName;
        RepositoryName = repositoryName;
        SuggestedDirectoryName = MakeDirectoryName(repositoryName);
    }

    /// <summary>
    /// What to clone: for URLs, scheme and host lower-cased, the path as typed without a trailing slash and without the
    /// web page part (<c>/tree/…</c>), query and fragment; <c>.git</c> is kept when it was given. For local paths, the
    /// path with repeated and trailing slashes removed.
    /// </summary>
    public string CloneUrl { get; }

    /// <summary>The branch or tag to check out, or null for the repository's default branch.</summary>
    public string? Ref { get; }

    public RepositoryReferenceKind Kind { get; }

    /// <summary>
    /// The lower-case host, with <c>:port</c> when it is not the scheme's default (<c>git.example.com:8443</c>); the key
    /// for the user's stored token for that host. Null for <see cref="RepositoryReferenceKind.File"/> and
    /// <see cref="RepositoryReferenceKind.LocalPath"/>.
    /// </summary>
    public string? Host { get; }

    /// <summary>A short name for lists: <c>org/repo</c> (the URL path, decoded, without <c>.git</c>), or the local path.</summary>
    public string DisplayName { get; }

    /// <summary>The last path segment without <c>.git</c> (decoded), e.g. <c>repo</c>; <c>repo</c> if that is empty.</summary>
    public string RepositoryName { get; }

    /// <summary>
    /// A directory name to clone into: only letters, digits, <c>-</c>, <c>_</c> and <c>.</c> (anything else becomes
    /// <c>-</c>), not starting with <c>.</c> or <c>-</c>, not ending with <c>.</c>, at most
    /// <see cref="MaxDirectoryNameLength"/> characters; <c>repo</c> when nothing usable is left.
    /// </summary>
    public string SuggestedDirectoryName { get; }

    public override string ToString() => Ref is null ? CloneUrl : $"{CloneUrl} ({Ref})";

    /// <summary>Parses what a user or an API client gave; throws <see cref="FormatException"/> with the user-facing message.</summary>
    public static RepositoryReference Parse(string? input, string? explicitRef = null) =>
        TryParse(input, explicitRef, out var reference, out var error) ? reference : throw new FormatException(error);

    /// <summary>Parses what a user or an API client gave.</summary>
    /// <param name="input">A URL or an absolute path, as pasted.</param>
    /// <param name="explicitRef">A branch or tag given separately (an API field, a form field). When it is given (not null
    /// or empty) it wins over a branch found in the URL (<c>/tree/…</c> or <c>?ref=</c>): the separate field is the more
    /// deliberate choice, and a link copied from another branch's page is a common accident.</param>
    /// <param name="reference">The parsed reference, when this returns true.</param>
    /// <param name="error">When this returns false: what is wrong and what to do instead, in words for the user.</param>
    public static bool TryParse(string? input, string? explicitRef, [NotNullWhen(true)] out RepositoryReference? reference, [NotNullWhen(false)] out string? error)
    {
        reference = null;
        var explicitRefGiven = !string.IsNullOrEmpty(explicitRef);
        if (explicitRefGiven && GitRefName.Validate(explicitRef) is { } refProblem)
        {
            error = $"The branch or tag {Show(explicitRef!)} is not a valid Git ref name: {refProblem}.";
            return false;
        }

        error = Classify(input, out var parsed);
        if (error is not null)
        {
            return false;
        }

        var (cloneUrl, urlRef, kind, host, displayName, repositoryName) = parsed;
        if (urlRef is not null && !explicitRefGiven && GitRefName.Validate(urlRef) is { } urlRefProblem)
        {
            error = $"The branch in the URL, {Show(urlRef)}, is not a valid Git ref name: {urlRefProblem}.";
            return false;
        }

        reference = new RepositoryReference(cloneUrl, explicitRefGiven ? explicitRef : urlRef, kind, host, displayName, repositoryName);
        return true;
    }

    private static string? Classify(string? input, out Parsed parsed)
    {
        parsed = default;
        var text = input?.Trim() ?? "";
        if (text.Length == 0)
        {
            return "Paste the URL of a Git repository, such as https://github.com/org/repo.";
        }

        if (text.Length > MaxLength)
        {
            return string.Create(CultureInfo.InvariantCulture, $"The repository URL is longer than {MaxLength} characters.");
        }

        var invisible = TextChecks.IndexOfInvisible(text);
        if (invisible >= 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"The repository URL contains a space, a line break or an invisible character (at character {invisible + 1}); remove it and try again.");
        }

        if (text.StartsWith('/'))
        {
            return ParseLocalPath(text, out parsed);
        }

        var scheme = SchemePattern().Match(text);
        if (!scheme.Success)
        {
            return ScpLikePattern().Match(text) is { Success: true } scp
                ? SshNotSupported(scp.Groups["host"].Value, scp.Groups["path"].Value)
                : NotAbsolute(text);
        }

        var name = scheme.Groups[1].Value.ToLowerInvariant();
        var rest = text[scheme.Length..];
        if (!rest.StartsWith("//", StringComparison.Ordinal))
        {
            if (name is "http" or "https" or "file")
            {
                return $"The URL is missing \"//\" after \"{name}:\"; write it as {name}://….";
            }

            if (name.Length == 1 && rest.Length > 0 && rest[0] is '\\' or '/')
            {
                return "Windows paths are not supported; use the repository's HTTPS URL.";
            }

            if (PortThenPathPattern().IsMatch(rest))
            {
                return $"Add \"https://\" (or \"http://\") in front: {Show("https://" + text)}.";
            }

            // "host:org/repo" is how Git writes SSH without "ssh://"; anything else with a colon is another scheme.
            return NonGitSchemes.Contains(name) || name.Contains('+', StringComparison.Ordinal)
                ? UnsupportedScheme(name)
                : SshNotSupported(name, rest);
        }

        return name switch
        {
            "https" => ParseHttp(text, rest[2..], RepositoryReferenceKind.Https, out parsed),
            "http" => ParseHttp(text, rest[2..], RepositoryReferenceKind.Http, out parsed),
            "file" => ParseFile(rest[2..], out parsed),
            _ when SshSchemes.Contains(name) => Uri.TryCreate(text, UriKind.Absolute, out var ssh) ? SshNotSupported(ssh.Host, ssh.AbsolutePath) : SshNotSupported("", ""),
            "git" => "The git:// protocol is not supported (it is neither encrypted nor authenticated); paste the repository's HTTPS URL.",
            _ => UnsupportedScheme(name),
        };
    }

    private static string? ParseHttp(string text, string afterSlashes, RepositoryReferenceKind kind, out Parsed parsed)
    {
        parsed = default;
        if (text.Contains('\\', StringComparison.Ordinal))
        {
            // Uri reads "\" as "/", so "https://evil.example\github.com/…" would name a host other than the one it seems to.
            return "The URL must not contain a backslash (\\); paste the repository's URL as the browser shows it.";
        }

        var authorityEnd = afterSlashes.IndexOfAny(['/', '?', '#']);
        var authority = authorityEnd < 0 ? afterSlashes : afterSlashes[..authorityEnd];
        if (authority.Contains('@', StringComparison.Ordinal))
        {
            // Never repeat the input here: the part before "@" is often a token.
            var hostAfterAt = authority[(authority.LastIndexOf('@') + 1)..];
            return $"Don't put user names or tokens in URLs: remove the part before \"@\" and store a token for {Show(hostAfterAt.ToLowerInvariant())} in Settings instead.";
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            return "The URL could not be understood; check the host name and try again.";
        }

        // IdnHost gives the ASCII (punycode) form, so that a look-alike Unicode host is visibly different; it drops the
        // brackets of an IPv6 address, which a URL needs.
        var host = (uri.HostNameType == UriHostNameType.IPv6 ? uri.Host : uri.IdnHost).ToLowerInvariant();
        if (!uri.IsDefaultPort)
        {
            host += ":" + uri.Port.ToString(CultureInfo.InvariantCulture);
        }

        var pathAndQuery = authorityEnd < 0 ? "" : afterSlashes[authorityEnd..];
        var problem = SplitPath(pathAndQuery, out var segments, out var queryRef);
        if (problem is not null)
        {
            return problem;
        }

        problem = StripWebPage(segments, out var pathRef, uri.Scheme + "://" + host);
        if (problem is not null)
        {
            return problem;
        }

        if (segments.Count == 0)
        {
            return "The URL has no repository path; paste the repository's URL, such as https://github.com/org/repo.";
        }

        if (CheckRepositorySegments(segments) is { } segmentProblem)
        {
            return segmentProblem;
        }

        if (pathRef is not null && queryRef is not null && pathRef != queryRef)
        {
            return $"The URL names two branches, {Show(pathRef)} in the path and {Show(queryRef)} in \"?ref=\"; keep one.";
        }

        var decoded = segments.Select(Uri.UnescapeDataString).ToList();
        var repositoryName = WithoutGitSuffix(decoded[^1]);
        decoded[^1] = repositoryName;
        parsed = new Parsed(
            $"{uri.Scheme}://{host}/{string.Join('/', segments)}",
            pathRef ?? queryRef,
            kind,
            host,
            string.Join('/', decoded),
            repositoryName);
        return null;
    }

    private static string? ParseFile(string afterSlashes, out Parsed parsed)
    {
        parsed = default;
        if (afterSlashes.Contains('\\', StringComparison.Ordinal))
        {
            return "A file:// URL must not contain a backslash (\\); write it as file:///absolute/path.";
        }

        var authorityEnd = afterSlashes.IndexOf('/', StringComparison.Ordinal);
        var authority = authorityEnd < 0 ? afterSlashes : afterSlashes[..authorityEnd];
        if (authority.Length > 0 && !authority.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            return "A file:// URL must not name a host; write it as file:///absolute/path.";
        }

        var problem = SplitPath(authorityEnd < 0 ? "" : afterSlashes[authorityEnd..], out var segments, out var queryRef);
        if (problem is not null)
        {
            return problem;
        }

        if (segments.Count == 0)
        {
            return "The file:// URL has no path; write it as file:///absolute/path/to/repo.git.";
        }

        if (CheckRepositorySegments(segments) is { } segmentProblem)
        {
            return segmentProblem;
        }

        var decoded = segments.Select(Uri.UnescapeDataString).ToList();
        parsed = new Parsed(
            "file:///" + string.Join('/', segments),
            queryRef,
            RepositoryReferenceKind.File,
            null,
            "/" + string.Join('/', decoded),
            WithoutGitSuffix(decoded[^1]));
        return null;
    }

    private static string? ParseLocalPath(string text, out Parsed parsed)
    {
        parsed = default;
        var segments = text.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (segments.Length == 0)
        {
            return "\"/\" is not a repository; give the absolute path of one, such as /srv/git/repo.git.";
        }

        if (segments.Any(segment => segment is "." or ".."))
        {
            return "The path must not contain \".\" or \"..\"; give the repository's absolute path.";
        }

        var repositoryName = WithoutGitSuffix(segments[^1]);
        if (repositoryName is "" or "." or "..")
        {
            return NoRepositoryName;
        }

        var path = "/" + string.Join('/', segments);
        parsed = new Parsed(path, null, RepositoryReferenceKind.LocalPath, null, path, repositoryName);
        return null;
    }

    /// <summary>Splits "/a/b/?ref=x#frag" into raw (still percent-encoded) segments and the decoded "ref" query value.</summary>
    private static string? SplitPath(string pathAndQuery, out List<string> segments, out string? queryRef)
    {
        queryRef = null;
        var fragment = pathAndQuery.IndexOf('#', StringComparison.Ordinal);
        if (fragment >= 0)
        {
            pathAndQuery = pathAndQuery[..fragment];
        }

        var queryStart = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        var path = queryStart < 0 ? pathAndQuery : pathAndQuery[..queryStart];
        segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        foreach (var segment in segments)
        {
            string decoded;
            try
            {
                decoded = Uri.UnescapeDataString(segment);
            }
            catch (UriFormatException)
            {
                return "The URL's path is not valid; check it and try again.";
            }

            if (decoded is "." or "..")
            {
                return "The URL's path must not contain \".\" or \"..\" segments; paste the repository's URL.";
            }

            if (decoded.Any(char.IsControl))
            {
                return "The URL's path contains an encoded control character; paste the repository's URL.";
            }
        }

        if (queryStart < 0)
        {
            return null;
        }

        foreach (var pair in pathAndQuery[(queryStart + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = equals < 0 ? pair : pair[..equals];
            if (key != "ref")
            {
                continue;
            }

            if (queryRef is not null)
            {
                return "The URL has more than one \"ref=\"; keep one.";
            }

            queryRef = Uri.UnescapeDataString(equals < 0 ? "" : pair[(equals + 1)..]);
            if (queryRef.Length == 0)
            {
                return "The URL's \"ref=\" is empty; name a branch or tag, or remove it.";
            }
        }

        return null;
    }

    /// <summary>
    /// Removes the web page part of a repository link and returns the branch it names: GitLab's <c>/-/tree/&lt;ref&gt;</c>,
    /// GitHub's <c>/tree/&lt;ref&gt;</c> and Gitea's <c>/src/branch/&lt;ref&gt;</c>. A path ending in <c>.git</c> is a
    /// clone URL and is left alone.
    /// </summary>
    private static string? StripWebPage(List<string> segments, out string? pathRef, string origin)
    {
        pathRef = null;
        if (segments.Count == 0 || segments[^1].EndsWith(".git", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var dash = segments.IndexOf("-");
        if (dash >= 1)
        {
            var page = segments.Skip(dash + 1).ToList();
            var repository = segments.Take(dash).ToList();
            if (page.Count == 0 || page[0] == "tree")
            {
                pathRef = page.Count > 1 ? Uri.UnescapeDataString(string.Join('/', page.Skip(1))) : null;
                segments.RemoveRange(dash, segments.Count - dash);
                return null;
            }

            return PageNotRepository(origin, repository);
        }

        if (segments.Count >= 3 && segments[2] == "tree")
        {
            pathRef = segments.Count > 3 ? Uri.UnescapeDataString(string.Join('/', segments.Skip(3))) : null;
            segments.RemoveRange(2, segments.Count - 2);
            return null;
        }

        if (segments.Count >= 5 && segments[2] == "src" && segments[3] is "branch" or "tag")
        {
            pathRef = Uri.UnescapeDataString(string.Join('/', segments.Skip(4)));
            segments.RemoveRange(2, segments.Count - 2);
            return null;
        }

        if (segments.Count >= 3 && RepositoryPages.Contains(segments[2]))
        {
            return PageNotRepository(origin, segments.Take(2).ToList());
        }

        return null;
    }

    private const string NoRepositoryName = "The path does not end with a repository name; paste the repository's URL, such as https://github.com/org/repo.";

    /// <summary>The repository part of a path (after the branch part is removed): no encoded slashes, and a usable name.</summary>
    private static string? CheckRepositorySegments(List<string> segments)
    {
        if (segments.Any(segment => Uri.UnescapeDataString(segment).IndexOfAny(['/', '\\']) >= 0))
        {
            return "The URL's path must not contain encoded slashes (%2F, %5C); paste the repository's URL.";
        }

        return WithoutGitSuffix(Uri.UnescapeDataString(segments[^1])) is "" or "." or ".." ? NoRepositoryName : null;
    }

    private static string PageNotRepository(string origin, List<string> repository) =>
        $"This is a link to a page inside a repository, not to the repository; paste {origin}/{string.Join('/', repository)} instead.";

    private static string SshNotSupported(string host, string path)
    {
        host = host.ToLowerInvariant();
        var suggestion = host.Length > 0 && path.Length > 0 && !host.Contains('@', StringComparison.Ordinal)
            ? $" ({Show("https://" + host + "/" + path.TrimStart('/'))})"
            : "";
        var forHost = host.Length > 0 ? $" for {Show(host)}" : " for the host";
        return $"SSH URLs are not supported; paste the HTTPS URL{suggestion} and store a token{forHost} in Settings.";
    }

    private static string UnsupportedScheme(string scheme) =>
        $"{Show(scheme + ":")} URLs are not supported; paste an https:// URL of a Git repository (or http://, file:// or an absolute path on the server).";

    private static string NotAbsolute(string text)
    {
        var firstSegment = text.Split('/')[0];
        if (firstSegment.Contains('.', StringComparison.Ordinal) && text.Contains('/', StringComparison.Ordinal) && !firstSegment.StartsWith('.'))
        {
            return $"Add \"https://\" in front: {Show("https://" + text)}.";
        }

        return "Relative paths are not supported; paste the repository's URL, or its absolute path on the server.";
    }

    private static string WithoutGitSuffix(string name) =>
        name.EndsWith(".git", StringComparison.OrdinalIgnoreCase) ? name[..^4] : name;

    private static string MakeDirectoryName(string repositoryName)
    {
        var builder = new StringBuilder(Math.Min(repositoryName.Length, MaxDirectoryNameLength));
        foreach (var c in repositoryName)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '-');
        }

        var name = builder.ToString().TrimStart('.', '-');
        if (name.Length > MaxDirectoryNameLength)
        {
            name = name[..MaxDirectoryNameLength];
        }

        name = name.TrimEnd('.');
        return name.Any(char.IsAsciiLetterOrDigit) ? name : "repo";
    }

    /// <summary>A value from the input, quoted and shortened for a message (it has no control characters by then).</summary>
    private static string Show(string value) => value.Length <= 100 ? $"\"{value}\"" : $"\"{value[..100]}…\"";

    [GeneratedRegex(@"^[0-9]{1,5}(/|\z)", RegexOptions.CultureInvariant)]
    private static partial Regex PortThenPathPattern();

    [GeneratedRegex("^([A-Za-z][A-Za-z0-9+.-]*):", RegexOptions.CultureInvariant)]
    private static partial Regex SchemePattern();

    /// <summary>Git's "scp-like" SSH syntax: <c>user@host:path</c>.</summary>
    [GeneratedRegex(@"^[^/:@]+@(?<host>[^/:@]+):(?<path>.*)\z", RegexOptions.CultureInvariant)]
    private static partial Regex ScpLikePattern();

    private readonly record struct Parsed(string CloneUrl, string? Ref, RepositoryReferenceKind Kind, string? Host, string DisplayName, string RepositoryName);
}
