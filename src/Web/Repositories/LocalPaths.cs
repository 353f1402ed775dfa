namespace Workspaces.Web.Repositories;

/// <summary>Path walking for <see cref="RepositoryGuard"/>: symbolic links resolved the way the kernel does, and ancestors.</summary>
internal static class LocalPaths
{
    /// <summary>Links followed in one path before giving up, as the kernel's ELOOP limit.</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// <paramref name="path"/> with every symbolic link in it resolved (as <c>realpath(3)</c>), components that do not
    /// exist kept as written; null for a loop of links.
    /// </summary>
    public static string? Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var pending = new List<string>(path.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var result = "/";
        var links = 0;
        for (var i = 0; i < pending.Count; i++)
        {
            var part = pending[i];
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                result = Path.GetDirectoryName(result) ?? "/";
                continue;
            }

            var candidate = Path.Join(result, part);
            var target = LinkTarget(candidate);
            if (target is null)
            {
                result = candidate;
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            if (target.StartsWith('/'))
            {
                result = "/";
            }

            pending = [.. target.Split('/', StringSplitOptions.RemoveEmptyEntries), .. pending.Skip(i + 1)];
            i = -1;
        }

        return result;
    }

    /// <summary><paramref name="path"/> itself, then each parent up to <c>/</c>.</summary>
    public static IEnumerable<string> Ancestors(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        for (var current = path.TrimEnd('/'); current.Length > 0; current = Path.GetDirectoryName(current) ?? "")
        {
            yield return current;
            if (current == "/")
            {
                yield break;
            }
        }

        yield return "/";
    }

    private static string? LinkTarget(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
