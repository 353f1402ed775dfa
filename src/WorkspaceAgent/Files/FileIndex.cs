using System.Diagnostics;
using System.Text;
using Workspaces.Shared.Files;
using Workspaces.WorkspaceAgent.SourceControl;

namespace Workspaces.WorkspaceAgent.Files;

/// <summary>
/// Every file of the checkout, for quick open: from <c>git ls-files</c> (tracked and untracked, .gitignore respected) in
/// a repository, else by walking the tree. Built on the first query and rebuilt in the background when the watcher
/// reports changes; queries meanwhile use the previous index.
/// </summary>
public sealed partial class FileIndex(WorkspacePaths paths, ILogger<FileIndex> logger)
{
    private static readonly string[] SkippedDirectories = [".git", "node_modules"];

    private readonly Lock _lock = new();
    private Snapshot? _snapshot;
    private Task<Snapshot>? _building;
    private bool _stale;

    /// <summary>The tree changed: the next query starts a rebuild (and still answers from the current index).</summary>
    public void Invalidate()
    {
        lock (_lock)
        {
            _stale = true;
        }
    }

    public async Task<QuickOpenResult> QueryAsync(string query, int limit, CancellationToken cancellationToken)
    {
        var snapshot = await GetSnapshotAsync(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var matches = FuzzyMatcher.Match(snapshot.Paths, snapshot.Lowered, query ?? string.Empty, Math.Clamp(limit, 1, 500));
        return new QuickOpenResult(matches, snapshot.Paths.Length, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    private Task<Snapshot> GetSnapshotAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (_building is { IsCompleted: true } done)
            {
                _building = null;
                if (done.IsCompletedSuccessfully)
                {
                    _snapshot = done.Result;
                }
            }

            if ((_snapshot is null || _stale) && _building is null)
            {
                _stale = false;
                _building = Task.Run(() => BuildAsync(CancellationToken.None), CancellationToken.None);
            }

            return _snapshot is { } current ? Task.FromResult(current) : _building!.WaitAsync(cancellationToken);
        }
    }

    private async Task<Snapshot> BuildAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        string[]? files = null;
        if (Directory.Exists(Path.Combine(paths.Root, ".git")))
        {
            try
            {
                var git = new GitProcess(paths.Root);
                var output = await git.RunAsync(["-c", "core.quotepath=off", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--deduplicate"], cancellationToken);
                if (output.Succeeded)
                {
                    files = Encoding.UTF8.GetString(output.Output).Split('\0', StringSplitOptions.RemoveEmptyEntries);
                }
            }
            catch (GitMissingException)
            {
                // Walk the tree instead.
            }
        }

        files ??= Walk();
        Array.Sort(files, StringComparer.Ordinal);
        var lowered = Array.ConvertAll(files, f => f.ToLowerInvariant());
        var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        LogIndexed(files.Length, elapsed);
        return new Snapshot(files, lowered);
    }

    private string[] Walk()
    {
        var files = new List<string>();
        var options = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint, RecurseSubdirectories = false };
        var pending = new Stack<string>();
        pending.Push(paths.Root);
        while (pending.Count > 0)
        {
            var directory = pending.Pop();
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", options))
            {
                if (entry is DirectoryInfo)
                {
                    if (!SkippedDirectories.Contains(entry.Name))
                    {
                        pending.Push(entry.FullName);
                    }
                }
                else
                {
                    files.Add(paths.Relative(entry.FullName));
                }
            }
        }

        return [.. files];
    }

    private sealed record Snapshot(string[] Paths, string[] Lowered);

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {Count} files for quick open in {ElapsedMs:0} ms")]
    private partial void LogIndexed(int count, double elapsedMs);
}

/// <summary>
/// VS Code-like fuzzy matching of file paths: the query's characters in order (case-insensitive), scored higher when they
/// fall in the file name, start words, or run together.
/// </summary>
public static class FuzzyMatcher
{
    public static IReadOnlyList<QuickOpenMatch> Match(string[] paths, string[] lowered, string query, int limit)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(lowered);
        var needle = query.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        if (needle.Length == 0)
        {
            return [.. paths.Take(limit).Select(p => new QuickOpenMatch(p, 0, []))];
        }

        var best = new PriorityQueue<int, (int Score, int Negated)>();
        Span<int> positions = stackalloc int[Math.Min(needle.Length, 256)];
        if (needle.Length > positions.Length)
        {
            return [];
        }

        for (var i = 0; i < lowered.Length; i++)
        {
            if (!IsSubsequence(lowered[i], needle))
            {
                continue;
            }

            var score = Score(paths[i], lowered[i], needle, positions);
            if (best.Count < limit)
            {
                best.Enqueue(i, (score, -i));
            }
            else if (best.TryPeek(out _, out var worst) && (score, -i).CompareTo(worst) > 0)
            {
                best.DequeueEnqueue(i, (score, -i));
            }
        }

        var results = new List<QuickOpenMatch>(best.Count);
        while (best.TryDequeue(out var index, out var priority))
        {
            Score(paths[index], lowered[index], needle, positions);
            results.Add(new QuickOpenMatch(paths[index], priority.Score, positions.ToArray()));
        }

        results.Reverse();
        return results;
    }

    private static bool IsSubsequence(string text, string needle)
    {
        var span = text.AsSpan();
        foreach (var c in needle)
        {
            var at = span.IndexOf(c);
            if (at < 0)
            {
                return false;
            }

            span = span[(at + 1)..];
        }

        return true;
    }

    /// <summary>Matches right to left (so the file name wins over folders) and scores the positions it used.</summary>
    private static int Score(string original, string text, string needle, Span<int> positions)
    {
        var nameStart = text.LastIndexOf('/') + 1;
        var at = text.Length - 1;
        for (var q = needle.Length - 1; q >= 0; q--)
        {
            while (text[at] != needle[q])
            {
                at--;
            }

            positions[q] = at;
            at--;
        }

        var score = 0;
        for (var q = 0; q < needle.Length; q++)
        {
            var p = positions[q];
            score += 1;
            if (p >= nameStart)
            {
                score += 4;
            }

            if (p == 0 || text[p - 1] is '/' or '_' or '-' or '.' or ' ' || (char.IsUpper(original[p]) && !char.IsUpper(original[p - 1])))
            {
                score += 8;
            }

            if (q > 0 && positions[q - 1] == p - 1)
            {
                score += 6;
            }
        }

        if (text.AsSpan(nameStart).StartsWith(needle))
        {
            score += 25;
        }

        // Shorter paths first among equals.
        return (score * 100) - Math.Min(text.Length, 99);
    }
}
