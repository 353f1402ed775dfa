using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Workspaces.Shared.Files;
using Workspaces.WorkspaceAgent.SourceControl;

namespace Workspaces.WorkspaceAgent.Files;

/// <summary>
/// Search across files. In a Git repository it is <c>git grep --untracked --exclude-standard</c>: tracked and untracked
/// files, .gitignore respected, binary files skipped, multi-threaded and as fast as grep (docs/benchmarks.md). Elsewhere
/// (or without git) the agent walks the tree itself.
/// </summary>
public sealed class FileSearch(WorkspacePaths paths, FilesOptions options)
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    public async Task<SearchResult> SearchAsync(SearchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var started = Stopwatch.GetTimestamp();
        if (string.IsNullOrEmpty(request.Query))
        {
            return new SearchResult([], false, "none", 0, null);
        }

        Regex? regex;
        try
        {
            regex = BuildRegex(request);
        }
        catch (ArgumentException ex)
        {
            return new SearchResult([], false, "none", 0, $"The regular expression is not valid: {ex.Message}");
        }

        var max = Math.Clamp(request.MaxResults <= 0 ? options.MaxSearchResults : request.MaxResults, 1, options.MaxSearchResults);
        if (Directory.Exists(Path.Combine(paths.Root, ".git")))
        {
            try
            {
                var (matches, truncated, error) = await GitGrepAsync(request, regex, max, cancellationToken);
                return new SearchResult(matches, truncated, "git grep", Stopwatch.GetElapsedTime(started).TotalMilliseconds, error);
            }
            catch (GitMissingException)
            {
                // Search ourselves.
            }
        }

        var (found, cut) = await Task.Run(() => WalkSearch(request, regex, max, cancellationToken), cancellationToken);
        return new SearchResult(found, cut, "agent", Stopwatch.GetElapsedTime(started).TotalMilliseconds, null);
    }

    private static Regex? BuildRegex(SearchRequest request)
    {
        var pattern = request.IsRegex ? request.Query : Regex.Escape(request.Query);
        if (request.WholeWord)
        {
            pattern = $@"\b(?:{pattern})\b";
        }

        var flags = RegexOptions.CultureInvariant | (request.MatchCase ? RegexOptions.None : RegexOptions.IgnoreCase);
        return new Regex(pattern, flags, RegexTimeout);
    }

    private async Task<(List<SearchMatch> Matches, bool Truncated, string? Error)> GitGrepAsync(SearchRequest request, Regex? regex, int max, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "-c", "core.quotepath=off", "grep", "-n", "--column", "-I", "-z", "--no-color", "--untracked", "--exclude-standard", "--full-name" };
        arguments.Add(request.IsRegex ? "-P" : "-F");
        if (!request.MatchCase)
        {
            arguments.Add("-i");
        }

        if (request.WholeWord)
        {
            arguments.Add("-w");
        }

        arguments.Add("-e");
        arguments.Add(request.Query);
        arguments.Add("--");
        foreach (var glob in Globs(request.Include))
        {
            arguments.Add(":(glob)" + glob);
        }

        var git = new GitProcess(paths.Root);
        using var process = git.Start(arguments);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        var matches = new List<SearchMatch>();
        var truncated = false;
        try
        {
            using var reader = new StreamReader(process.StandardOutput.BaseStream, new UTF8Encoding(false, false), false, 64 * 1024);
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                // path NUL line NUL byte-column NUL text
                var parts = line.Split('\0', 4);
                if (parts.Length < 4 || !int.TryParse(parts[1], out var lineNumber) || !int.TryParse(parts[2], out var byteColumn))
                {
                    continue;
                }

                if (matches.Count == max)
                {
                    truncated = true;
                    break;
                }

                matches.Add(Match(parts[0], lineNumber, parts[3], byteColumn, regex, request.Query.Length));
            }
        }
        finally
        {
            if (truncated)
            {
                GitProcess.Kill(process);
            }

            await process.WaitForExitAsync(CancellationToken.None);
        }

        var stderr = await errors;
        string? error = null;
        if (process.ExitCode > 1 && !truncated)
        {
            error = stderr.Trim();
            if (request.IsRegex && error.Contains("PCRE", StringComparison.OrdinalIgnoreCase))
            {
                error = "This git has no Perl-compatible regular expressions; search without regex.";
            }
        }

        return (matches, truncated, error);
    }

    private static SearchMatch Match(string path, int line, string text, int byteColumn, Regex? regex, int queryLength)
    {
        // git reports a byte offset; editors count characters (UTF-16 units, as JavaScript does).
        var bytes = Encoding.UTF8.GetBytes(text);
        var column = Encoding.UTF8.GetCharCount(bytes, 0, Math.Clamp(byteColumn - 1, 0, bytes.Length)) + 1;
        var length = queryLength;
        if (regex is not null)
        {
            try
            {
                var m = regex.Match(text, Math.Max(0, column - 1));
                if (m.Success)
                {
                    column = m.Index + 1;
                    length = m.Length;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // Keep git's column.
            }
        }

        return new SearchMatch(path, line, column, length, Preview(text, ref column));
    }

    /// <summary>At most 250 characters around the match; <paramref name="column"/> stays the column in the file.</summary>
    private static string Preview(string text, ref int column)
    {
        var trimmed = text.TrimEnd('\r');
        return trimmed.Length <= 250 ? trimmed : trimmed.Substring(Math.Clamp(column - 100, 0, trimmed.Length - 1), Math.Min(250, trimmed.Length - Math.Clamp(column - 100, 0, trimmed.Length - 1)));
    }

    private (List<SearchMatch> Matches, bool Truncated) WalkSearch(SearchRequest request, Regex? regex, int max, CancellationToken cancellationToken)
    {
        var matches = new List<SearchMatch>();
        var globs = Globs(request.Include).Select(GlobRegex).ToArray();
        var enumeration = new EnumerationOptions { IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint, RecurseSubdirectories = true };
        foreach (var file in Directory.EnumerateFiles(paths.Root, "*", enumeration))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var relative = paths.Relative(file);
            if (relative.StartsWith(".git/", StringComparison.Ordinal) || relative.Contains("/node_modules/", StringComparison.Ordinal) || relative.StartsWith("node_modules/", StringComparison.Ordinal))
            {
                continue;
            }

            if (globs.Length > 0 && !globs.Any(g => g.IsMatch(relative)))
            {
                continue;
            }

            var info = FileSystemNative.Stat(file, followLinks: false);
            if (info is not { Type: NodeType.File } || info.Value.Size > options.HardLimitBytes)
            {
                continue;
            }

            var decoded = TextCodec.Decode(File.ReadAllBytes(file));
            if (decoded.Text is not { } content)
            {
                continue;
            }

            var lineNumber = 0;
            foreach (var line in content.AsSpan().EnumerateLines())
            {
                lineNumber++;
                var m = regex!.Match(line.ToString());
                if (!m.Success)
                {
                    continue;
                }

                if (matches.Count == max)
                {
                    return (matches, true);
                }

                var column = m.Index + 1;
                matches.Add(new SearchMatch(relative, lineNumber, column, m.Length, Preview(line.ToString(), ref column)));
            }
        }

        return (matches, false);
    }

    private static IEnumerable<string> Globs(string? include) =>
        (include ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(g => g.Contains('/', StringComparison.Ordinal) ? g.TrimStart('/') : "**/" + g);

    private static Regex GlobRegex(string glob) =>
        new("^" + Regex.Escape(glob).Replace(@"\*\*/", "(?:.*/)?", StringComparison.Ordinal).Replace(@"\*\*", ".*", StringComparison.Ordinal)
            .Replace(@"\*", "[^/]*", StringComparison.Ordinal).Replace(@"\?", "[^/]", StringComparison.Ordinal) + "$", RegexOptions.CultureInvariant, RegexTimeout);
}
