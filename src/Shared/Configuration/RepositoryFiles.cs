namespace Workspaces.Shared.Configuration;

internal enum ResolveStatus
{
    Found,
    NotFound,
    OutsideRepository,
    TooManyLinks,
}

internal readonly record struct ResolvedPath(ResolveStatus Status, string FullPath);

/// <summary>
/// Finds a file of the checkout without following symbolic links out of it. The repository is untrusted: a
/// <c>.gitpod.yml</c> that links to <c>/proc/self/environ</c> or to the agent's secret would otherwise be read, and
/// parts of it shown to the user in warnings; one that links to <c>/dev/zero</c> or a FIFO would never end.
/// </summary>
/// <remarks>
/// Each component is resolved in turn, like the kernel does, with at most 40 links; every step must stay inside the
/// checkout. Git only stores regular files, directories and links, so anything that is not one of those is reachable
/// only through a link, which this refuses when it leaves the checkout.
/// </remarks>
internal static class RepositoryFiles
{
    private const int MaxLinks = 40;

    private static readonly StringComparison PathComparison = OperatingSystem.IsWindows() || OperatingSystem.IsMacOS()
        ? StringComparison.OrdinalIgnoreCase
        : StringComparison.Ordinal;

    public static ResolvedPath Resolve(string root, string relativePath)
    {
        var pending = new Stack<string>(Split(relativePath).Reverse());
        var current = root;
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part is "" or ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (string.Equals(current, root, PathComparison))
                {
                    return new ResolvedPath(ResolveStatus.OutsideRepository, current);
                }

                current = Path.GetDirectoryName(current)!;
                continue;
            }

            var candidate = Path.Join(current, part);
            string? target;
            try
            {
                target = new FileInfo(candidate).LinkTarget;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                return new ResolvedPath(ResolveStatus.NotFound, candidate);
            }

            if (target is null)
            {
                if (!File.Exists(candidate) && !Directory.Exists(candidate))
                {
                    return new ResolvedPath(ResolveStatus.NotFound, candidate);
                }

                current = candidate;
                continue;
            }

            if (++links > MaxLinks)
            {
                return new ResolvedPath(ResolveStatus.TooManyLinks, candidate);
            }

            if (Path.IsPathRooted(target))
            {
                var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(target));
                if (!IsInside(root, full))
                {
                    return new ResolvedPath(ResolveStatus.OutsideRepository, candidate);
                }

                current = root;
                target = Path.GetRelativePath(root, full);
            }

            foreach (var component in Split(target).Reverse())
            {
                pending.Push(component);
            }
        }

        return new ResolvedPath(ResolveStatus.Found, current);
    }

    private static string[] Split(string path) => path.Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar]);

    private static bool IsInside(string root, string path) =>
        string.Equals(root, path, PathComparison)
        || path.StartsWith(root + Path.DirectorySeparatorChar, PathComparison);
}
