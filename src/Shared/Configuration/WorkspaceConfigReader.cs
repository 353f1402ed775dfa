using System.Globalization;
using System.Text;

namespace Workspaces.Shared.Configuration;

/// <summary>
/// Reads a checkout's workspace configuration (see <see cref="WorkspaceConfig"/>) from the files users already have:
/// <c>.gitpod.yml</c> and <c>devcontainer.json</c>. Never throws for anything in the repository: every problem is a
/// warning or an error in the result, and the workspace starts with what could be read.
/// </summary>
/// <remarks>
/// <para><b>Which files.</b> <c>.gitpod.yml</c> (or, when it does not exist, <c>.gitpod.yaml</c>); then the first of
/// <c>.devcontainer/devcontainer.json</c>, <c>.devcontainer.json</c> and <c>.devcontainer/&lt;folder&gt;/devcontainer.json</c>
/// (folders in ordinal order; the spec allows several configurations side by side and tools ask which one; we take the
/// first and say which others were not used).</para>
/// <para><b>Merge rules</b> when both kinds of file exist (the Gitpod file is "first", devcontainer.json "second"):</para>
/// <list type="bullet">
/// <item><b>Image</b>: the first file that names an image wins. A Dockerfile or Docker Compose file is never built: the
/// warning says so and says what is used instead — the other file's image if it names one, else the default image.</item>
/// <item><b>Tasks</b>: if <c>.gitpod.yml</c> yields at least one task, devcontainer.json's lifecycle commands are not run
/// (with a warning naming them). Repositories that keep both files describe the same setup twice (gitea runs
/// <c>make deps</c> in both), and running both would do the work twice, or race. If the Gitpod file has no usable task
/// (none declared, or it could not be read), the lifecycle commands run.</item>
/// <item><b>Ports</b>: all of <c>.gitpod.yml</c>'s ports, then devcontainer.json's ports whose whole range no earlier
/// entry covers. A Gitpod entry wins entirely (its name and onOpen), even when devcontainer.json labels the port too;
/// for a partly overlapping range, <see cref="WorkspaceConfig.FindPort"/> returns the earlier entry.</item>
/// <item><b>Environment</b>: devcontainer.json's <c>containerEnv</c> then <c>remoteEnv</c> (remoteEnv wins), for every
/// task. Gitpod has no workspace-wide environment; its task <c>env</c> stays on each task and wins for that task.</item>
/// <item><b>Sources</b>, <b>Warnings</b>, <b>Errors</b>: in file order.</item>
/// </list>
/// <para><b>Warnings and errors.</b> Each message starts with the file, then "line L, column C" when known. An
/// <i>error</i> is something the user should fix: a file that cannot be read (too large, not UTF-8 text, a syntax
/// error — then nothing of it is used) or an invalid value (then only what it spoils is skipped, and the message says
/// what is used instead). A <i>warning</i> is something valid we do not do: every key we do not act on is reported
/// once per file ("tasks[].openMode (3 times) is ignored: …"), except keys that only document (Gitpod's
/// <c>ports[].description</c>, devcontainer.json's <c>name</c> and <c>$schema</c>), which change nothing and are
/// skipped quietly.</para>
/// </remarks>
public static class WorkspaceConfigReader
{
    /// <summary>Files larger than this are not read (an error says so).</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The Gitpod file names, in order of preference.</summary>
    public static IReadOnlyList<string> GitpodFileNames { get; } = [".gitpod.yml", ".gitpod.yaml"];

    /// <summary>The devcontainer.json locations, in order of preference, before <c>.devcontainer/&lt;folder&gt;/devcontainer.json</c>.</summary>
    public static IReadOnlyList<string> DevcontainerFileNames { get; } = [".devcontainer/devcontainer.json", ".devcontainer.json"];

    private const int MaxDevcontainerFolders = 200;

    /// <summary>
    /// Reads <c>.gitpod.yml</c>, then <c>devcontainer.json</c>, from a checkout and merges them (see the remarks on this
    /// class). Never throws for file content or unreadable files; symbolic links that leave the checkout are not followed.
    /// </summary>
    /// <param name="checkoutDirectory">The repository's working tree, as tasks will see it: it is also the value of
    /// devcontainer.json's <c>${containerWorkspaceFolder}</c>.</param>
    /// <exception cref="DirectoryNotFoundException">The checkout directory itself does not exist (a caller bug, not a
    /// repository problem).</exception>
    public static WorkspaceConfig Read(string checkoutDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(checkoutDirectory);
        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(checkoutDirectory));
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"The checkout directory '{root}' does not exist.");
        }

        var fragments = new List<ConfigFragment>();
        var notes = new List<string>();

        var gitpodFiles = GitpodFileNames.Where(name => RepositoryFiles.Resolve(root, name).Status != ResolveStatus.NotFound).ToList();
        if (gitpodFiles.Count > 0)
        {
            fragments.Add(ReadFile(root, gitpodFiles[0], GitpodConfigParser.Parse));
            notes.AddRange(gitpodFiles.Skip(1).Select(name => $"{name}: not read, because {gitpodFiles[0]} is used."));
        }

        var devcontainerFiles = FindDevcontainerFiles(root);
        if (devcontainerFiles.Count > 0)
        {
            fragments.Add(ReadFile(root, devcontainerFiles[0], (text, source) => DevcontainerConfigParser.Parse(text, source, root)));
            var others = devcontainerFiles.Skip(1).ToList();
            if (others.Count > 0)
            {
                notes.Add($"{devcontainerFiles[0]} is used; other dev container configurations are not: {string.Join(", ", others.Take(5))}{(others.Count > 5 ? ", …" : "")}.");
            }
        }

        return Combine(fragments, notes);
    }

    /// <summary>Parses the text of a <c>.gitpod.yml</c>. Never throws for the text's content.</summary>
    /// <param name="yamlText">The file's text.</param>
    /// <param name="sourcePath">The repository-relative path to name in messages and <see cref="WorkspaceConfig.Sources"/>.</param>
    public static WorkspaceConfig ParseGitpod(string yamlText, string sourcePath = ".gitpod.yml")
    {
        ArgumentNullException.ThrowIfNull(yamlText);
        ArgumentNullException.ThrowIfNull(sourcePath);
        return Combine([ParseText(yamlText, sourcePath, GitpodConfigParser.Parse)], []);
    }

    /// <summary>Parses the text of a <c>devcontainer.json</c> (JSON with comments and trailing commas). Never throws for the text's content.</summary>
    /// <param name="jsonText">The file's text.</param>
    /// <param name="sourcePath">The repository-relative path to name in messages and <see cref="WorkspaceConfig.Sources"/>.</param>
    /// <param name="workspaceFolder">The checkout directory as tasks see it, for <c>${containerWorkspaceFolder}</c>;
    /// when null, values that use it are reported as unresolved.</param>
    public static WorkspaceConfig ParseDevcontainer(string jsonText, string sourcePath = ".devcontainer/devcontainer.json", string? workspaceFolder = null)
    {
        ArgumentNullException.ThrowIfNull(jsonText);
        ArgumentNullException.ThrowIfNull(sourcePath);
        return Combine([ParseText(jsonText, sourcePath, (text, source) => DevcontainerConfigParser.Parse(text, source, workspaceFolder))], []);
    }

    private static List<string> FindDevcontainerFiles(string root)
    {
        var found = DevcontainerFileNames.Where(name => RepositoryFiles.Resolve(root, name).Status != ResolveStatus.NotFound).ToList();
        var folder = RepositoryFiles.Resolve(root, ".devcontainer");
        if (folder.Status != ResolveStatus.Found || !Directory.Exists(folder.FullPath))
        {
            return found;
        }

        try
        {
            var names = Directory.EnumerateDirectories(folder.FullPath)
                .Select(Path.GetFileName)
                .OfType<string>()
                .Take(MaxDevcontainerFolders)
                .Order(StringComparer.Ordinal)
                .Select(name => $".devcontainer/{name}/devcontainer.json")
                .Where(path => RepositoryFiles.Resolve(root, path).Status != ResolveStatus.NotFound);
            found.AddRange(names);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // An unreadable .devcontainer folder only means there is no configuration in it to find.
        }

        return found;
    }

    private static ConfigFragment ReadFile(string root, string relativePath, Func<string, string, ConfigFragment> parse)
    {
        var resolved = RepositoryFiles.Resolve(root, relativePath);
        var problem = resolved.Status switch
        {
            ResolveStatus.OutsideRepository => "is a symbolic link to something outside the repository; it is not read.",
            ResolveStatus.TooManyLinks => "is a symbolic link that does not end (a loop, or too many links); it is not read.",
            ResolveStatus.Found when Directory.Exists(resolved.FullPath) => "is a directory, not a file; it is not read.",
            ResolveStatus.Found => null,
            _ => "disappeared while it was being read.",
        };
        if (problem is not null)
        {
            return Failed(relativePath, problem);
        }

        byte[] bytes;
        try
        {
            using var stream = new FileStream(resolved.FullPath, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);
            if (stream.Length > MaxFileBytes)
            {
                return Failed(relativePath, TooLarge(stream.Length));
            }

            // Read one byte more than allowed rather than trusting Length: the file may grow while we read it. The buffer
            // starts at the file's size (not the limit: a 1 MiB array per file read is a large-object-heap allocation)
            // and grows up to the limit only if the file does.
            bytes = new byte[(int)stream.Length + 1];
            var total = 0;
            int read;
            while ((read = stream.Read(bytes, total, bytes.Length - total)) > 0)
            {
                total += read;
                if (total == bytes.Length)
                {
                    if (total > MaxFileBytes)
                    {
                        break;
                    }

                    Array.Resize(ref bytes, Math.Min(bytes.Length * 2, MaxFileBytes + 1));
                }
            }

            if (total > MaxFileBytes)
            {
                return Failed(relativePath, TooLarge(total));
            }

            Array.Resize(ref bytes, total);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return Failed(relativePath, $"could not be read: {exception.Message}");
        }

        return Decode(bytes, out var text) is { } decodeProblem ? Failed(relativePath, decodeProblem) : Guarded(parse, text, relativePath);
    }

    /// <summary>
    /// The parsers are written not to throw for any input; this is the last line of that promise, so that a bug we did
    /// not foresee shows up as one file's error (with enough to report it) instead of a workspace that does not start.
    /// </summary>
    private static ConfigFragment Guarded(Func<string, string, ConfigFragment> parse, string text, string source)
    {
        try
        {
            return parse(text, source);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            return Failed(source, $"could not be read because of a bug in Workspaces ({exception.GetType().Name}: {exception.Message}); please report it. Nothing from this file is used.");
        }
    }

    private static ConfigFragment ParseText(string text, string source, Func<string, string, ConfigFragment> parse)
    {
        var byteCount = Encoding.UTF8.GetByteCount(text);
        if (byteCount > MaxFileBytes)
        {
            return Failed(source, TooLarge(byteCount));
        }

        if (text.Contains('\0', StringComparison.Ordinal))
        {
            return Failed(source, "is a binary file, not text; it is not read.");
        }

        return Guarded(parse, text.StartsWith('\uFEFF') ? text[1..] : text, source);
    }

    private static string? Decode(byte[] bytes, out string text)
    {
        text = "";
        if (bytes is [0xFF, 0xFE, ..] or [0xFE, 0xFF, ..])
        {
            return "is saved as UTF-16; save it as UTF-8 so that it can be read.";
        }

        if (Array.IndexOf(bytes, (byte)0) >= 0)
        {
            return "is a binary file, not text; it is not read.";
        }

        var start = bytes is [0xEF, 0xBB, 0xBF, ..] ? 3 : 0;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes, start, bytes.Length - start);
            return null;
        }
        catch (DecoderFallbackException exception)
        {
            return string.Create(CultureInfo.InvariantCulture, $"is not valid UTF-8 text (byte {exception.Index + start + 1} cannot be decoded); save it as UTF-8 so that it can be read.");
        }
    }

    private static string TooLarge(long bytes) => string.Create(
        CultureInfo.InvariantCulture,
        $"is too large ({bytes / 1024.0 / 1024.0:0.0} MiB; the limit is {MaxFileBytes / 1024 / 1024} MiB); it is not read.");

    private static ConfigFragment Failed(string source, string problem)
    {
        var fragment = new ConfigFragment(source);
        fragment.Problems.Error(null, problem);
        return fragment;
    }

    /// <summary>Merges the files' fragments by the rules in this class's remarks.</summary>
    private static WorkspaceConfig Combine(IReadOnlyList<ConfigFragment> fragments, IReadOnlyList<string> notes)
    {
        var imageSource = fragments.FirstOrDefault(fragment => fragment.Image is not null);
        foreach (var fragment in fragments)
        {
            if (fragment.UnbuiltImage is not null)
            {
                var instead = imageSource is null
                    ? "the workspace uses the default image."
                    : imageSource.Source == fragment.Source
                        ? "\"image\" is used instead."
                        : $"the workspace uses the image {ConfigProblems.Quote(imageSource.Image!, 200)} from {imageSource.Source} instead.";
                fragment.Problems.Warning(fragment.UnbuiltImageAt, $"{fragment.UnbuiltImage}; {instead}");
            }
            else if (fragment.Image is not null && imageSource is not null && fragment != imageSource && fragment.Image != imageSource.Image)
            {
                fragment.Problems.Warning(null, $"\"image\" {ConfigProblems.Quote(fragment.Image, 200)} is not used: {imageSource.Source} names {ConfigProblems.Quote(imageSource.Image!, 200)}, and it comes first.");
            }
        }

        var tasks = new List<WorkspaceTask>();
        ConfigFragment? taskSource = null;
        foreach (var fragment in fragments.Where(fragment => fragment.Tasks.Count > 0))
        {
            if (taskSource is null)
            {
                taskSource = fragment;
                tasks.AddRange(fragment.Tasks);
                continue;
            }

            fragment.Problems.Warning(null, $"{string.Join(", ", fragment.TaskKeys.Select(key => $"\"{key}\""))} {(fragment.TaskKeys.Count == 1 ? "is" : "are")} not run, because {taskSource.Source} defines the tasks (both files describe the same setup; running both would do it twice).");
        }

        var ports = new List<PortConfig>();
        foreach (var port in fragments.SelectMany(fragment => fragment.Ports))
        {
            if (!ports.Exists(existing => existing.Covers(port.Port) && existing.Covers(port.PortRangeEnd ?? port.Port)))
            {
                ports.Add(port);
            }
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in fragments.SelectMany(fragment => fragment.Environment))
        {
            environment.TryAdd(name, value);
        }

        return new WorkspaceConfig(
            fragments.Select(fragment => fragment.Source).ToList(),
            imageSource?.Image,
            tasks,
            ports,
            environment,
            [.. fragments.SelectMany(fragment => fragment.Problems.Warnings), .. notes],
            fragments.SelectMany(fragment => fragment.Problems.Errors).ToList(),
            fragments.SelectMany(fragment => fragment.LanguageServers).ToList());
    }
}
