using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceController.Local.Sandbox;

/// <summary>Whether workspaces run sandboxed here, found by trying (<see cref="WorkspaceSandbox.ProbeAsync"/>).</summary>
/// <param name="Problem">Why a sandbox could not be set up (what failed and what to install), null when it works.</param>
public sealed record SandboxStatus(WorkspaceIsolation Isolation, bool Available, string? Problem)
{
    /// <summary>Workspaces run sandboxed.</summary>
    public bool Active => Isolation == WorkspaceIsolation.Sandbox && Available;

    /// <summary>A sandbox was asked for and cannot be had: workspaces run unisolated, so only one account may create them.</summary>
    public bool Degraded => Isolation == WorkspaceIsolation.Sandbox && !Available;
}

/// <summary>
/// Sets up each workspace's sandbox (<see cref="SandboxCommand"/>): its user id when the service is root, its directories,
/// what it may see. Whether sandboxes work on this machine is found once, by starting one (bubblewrap or pasta missing,
/// user namespaces refused); until then, and if they do not, workspaces start unsandboxed and the service says so.
/// </summary>
public sealed partial class WorkspaceSandbox(IOptions<SandboxOptions> options, IOptions<LocalRuntimeOptions> local, ILogger<WorkspaceSandbox> logger) : IDisposable
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(30);
    private readonly SandboxOptions _options = options.Value;
    private readonly SemaphoreSlim _uidLock = new(1, 1);
    private readonly Lazy<Task<SandboxStatus>> _status = new(() => Task.Run(() => ProbeOnceAsync(options.Value, local.Value, logger)));

    public WorkspaceIsolation Isolation => _options.Isolation;

    public void Dispose() => _uidLock.Dispose();

    /// <summary>The probe's answer (it runs once, on first use: the host starts it at start-up).</summary>
    public Task<SandboxStatus> StatusAsync() => _status.Value;

    /// <summary>The status when the probe has finished, otherwise null.</summary>
    public SandboxStatus? CurrentStatus => _status.IsValueCreated && _status.Value.IsCompletedSuccessfully ? _status.Value.Result : null;

    /// <summary>The command line that starts <paramref name="command"/> in the sandbox of a workspace, after preparing its directories.</summary>
    /// <param name="collector">The OTLP collector the agent exports to: one on this machine's loopback is the one more host port the sandbox reaches.</param>
    /// <param name="kube">The workspace's kubeconfig (cluster access): its directory shown read-only, and an API server on loopback reached.</param>
    public async Task<IReadOnlyList<string>> PrepareAsync(string workspaceId, WorkspaceLayout layout, IEnumerable<string?> repositories, IReadOnlyList<string> command, Uri? collector, ClusterAccess.LocalKubeconfig? kube, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var (uid, gid, switchUser) = await UserForAsync(workspaceId, cancellationToken);
        var socketDirectory = SandboxLayout.HostSocketDirectory(layout);
        Directory.CreateDirectory(socketDirectory);
        Directory.CreateDirectory(layout.HomeDirectory);
        File.Delete(SandboxLayout.HostSocketPath(layout));

        // A local repository shown read-only belongs to another user inside: Git (and libgit2, which clones) refuse such
        // repositories unless told they are safe. Inside the sandbox there is no other user's repository to protect.
        var gitconfig = Path.Combine(layout.HomeDirectory, ".gitconfig");
        var created = new FileInfo(gitconfig) is { Exists: false, LinkTarget: null };
        if (created)
        {
            await File.WriteAllTextAsync(gitconfig, "[safe]\n\tdirectory = *\n", cancellationToken);
        }

        if (switchUser)
        {
            GiveToWorkspace(layout.WorkspaceDirectory, uid, gid);
            if (created)
            {
                SandboxNative.ChownOne(gitconfig, uid, gid, link: false);
            }
        }

        if (switchUser && kube is not null)
        {
            // Its token is the workspace's to read, and no one else's.
            SandboxNative.ChownTree(kube.HostDirectory, uid, gid);
        }

        var identity = await WriteIdentityAsync(workspaceId, layout, uid, gid, switchUser, cancellationToken);
        var network = PrepareNetworkDirectory(identity, uid, gid, switchUser);
        var (resolvConf, dnsForward) = SandboxResolver.Rewrite(await ReadHostAsync("/etc/resolv.conf", cancellationToken));
        await ReplaceAsync(Path.Combine(identity, "resolv.conf"), resolvConf, cancellationToken);
        var spec = new SandboxSpec(
            workspaceId,
            layout.WorkspaceDirectory,
            socketDirectory,
            Path.GetDirectoryName(local.Value.AgentPath)!,
            [.. repositories.Select(r => LocalRepository(r, local.Value)).OfType<string>().Distinct(StringComparer.Ordinal)],
            uid,
            gid,
            switchUser,
            command,
            HiddenDirectories(local.Value),
            identity,
            SandboxResolver.MountPoint(SandboxNative.Resolve("/etc/resolv.conf")),
            dnsForward,
            collector is { IsLoopback: true, IsDefaultPort: false, Port: > 0 } ? collector.Port : null,
            kube?.HostDirectory,
            kube?.LoopbackPort,
            network);
        return SandboxCommand.Build(spec, _options.Sandbox, PathKind.Of);
    }

    /// <summary>
    /// Where pasta says the network is up (<see cref="SandboxSpec.NetworkDirectory"/>): in the service's own directory, so
    /// a workspace can neither fake the file nor plant a link for pasta (which runs outside the sandbox) to write through;
    /// emptied at each start.
    /// </summary>
    public static string PrepareNetworkDirectory(string parent, int uid, int gid, bool switchUser)
    {
        var directory = Path.Combine(parent, "network");
        Directory.CreateDirectory(directory);
        File.Delete(Path.Combine(directory, SandboxCommand.NetworkReadyFileName));
        if (switchUser)
        {
            SandboxNative.ChownOne(directory, uid, gid, link: false);
        }

        return directory;
    }

    /// <summary>The network helper's pid file of a workspace's sandbox (see <see cref="PrepareNetworkDirectory"/>).</summary>
    public static string NetworkReadyFile(string workspacesDirectory, string workspaceId) =>
        Path.Combine(IdentityDirectory(workspacesDirectory, workspaceId), "network", SandboxCommand.NetworkReadyFileName);

    /// <summary>
    /// The workspace's passwd and group (<see cref="SandboxIdentity"/>), kept beside its user id file in the service's own
    /// directory: a workspace cannot point them anywhere, and they are written afresh (replaced, never written through) at
    /// each start.
    /// </summary>
    private async Task<string> WriteIdentityAsync(string workspaceId, WorkspaceLayout layout, int uid, int gid, bool switchUser, CancellationToken cancellationToken)
    {
        var directory = IdentityDirectory(local.Value.WorkspacesDirectory, workspaceId);
        Directory.CreateDirectory(directory);
        var name = SandboxIdentity.UserName(switchUser);
        await ReplaceAsync(Path.Combine(directory, "passwd"), SandboxIdentity.Passwd(await ReadHostAsync("/etc/passwd", cancellationToken), name, uid, gid, layout.HomeDirectory, SandboxIdentity.Shell), cancellationToken);
        await ReplaceAsync(Path.Combine(directory, "group"), SandboxIdentity.Group(await ReadHostAsync("/etc/group", cancellationToken), name, gid), cancellationToken);
        return directory;
    }

    public static string IdentityDirectory(string workspacesDirectory, string workspaceId) => Path.Combine(workspacesDirectory, workspaceId + ".identity");

    private static async Task<string> ReadHostAsync(string path, CancellationToken cancellationToken) =>
        File.Exists(path) ? await File.ReadAllTextAsync(path, cancellationToken) : string.Empty;

    private static async Task ReplaceAsync(string path, string content, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, content, cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The environment inside: nothing of the service's own (its configuration may hold secrets), only what programs expect.</summary>
    public static void SetEnvironment(IDictionary<string, string?> environment, WorkspaceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(layout);
        var kept = environment.Where(e => e.Key is "PATH" or "LANG" or "LANGUAGE" or "TZ" || e.Key.StartsWith("LC_", StringComparison.Ordinal)).ToList();
        environment.Clear();
        foreach (var (name, value) in kept)
        {
            environment[name] = value;
        }

        environment.TryAdd("PATH", "/usr/local/bin:/usr/bin:/bin");
        environment["HOME"] = layout.HomeDirectory;
        environment["USER"] = environment["LOGNAME"] = SandboxIdentity.UserName(SandboxNative.IsRoot);
        environment["TMPDIR"] = "/tmp";
    }

    /// <summary>The service's own directories: its data (database, key ring, every workspace), its home and its application.</summary>
    private static List<string> HiddenDirectories(LocalRuntimeOptions local)
    {
        var hidden = new List<string> { local.WorkspacesDirectory, AppContext.BaseDirectory.TrimEnd('/') };
        if (Path.GetDirectoryName(local.WorkspacesDirectory) is { Length: > 1 } data)
        {
            hidden.Add(data);
        }

        if (Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 1 } home)
        {
            hidden.Add(home);
        }

        return [.. hidden.Where(Directory.Exists).Distinct(StringComparer.Ordinal)];
    }

    /// <summary>
    /// A local repository (<c>file://</c>) is shown read-only at its own path so the clone inside finds it, unless it
    /// resolves (links, <c>/proc/*/root</c> and all) into the service's data or application, or contains them or the
    /// service's home: then it is not shown, and inside it does not exist.
    /// </summary>
    internal static string? LocalRepository(string? repository, LocalRuntimeOptions local)
    {
        if (repository is null || !Uri.TryCreate(repository, UriKind.Absolute, out var uri) || !uri.IsFile
            || SandboxNative.Resolve(uri.LocalPath) is not { } resolved || !Directory.Exists(resolved))
        {
            return null;
        }

        var data = Path.GetDirectoryName(local.WorkspacesDirectory) ?? local.WorkspacesDirectory;
        var guarded = new[] { local.WorkspacesDirectory, data, AppContext.BaseDirectory }
            .Select(p => SandboxNative.Resolve(p) ?? p)
            .ToList();
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (guarded.Any(g => IsSameOrBelow(resolved, g) || IsSameOrBelow(g, resolved))
            || (home.Length > 1 && IsSameOrBelow(SandboxNative.Resolve(home) ?? home, resolved)))
        {
            return null;
        }

        return resolved;
    }

    private static bool IsSameOrBelow(string path, string ancestor)
    {
        var a = Path.TrimEndingDirectorySeparator(ancestor);
        return path == a || path.StartsWith(a + "/", StringComparison.Ordinal) || a.Length == 0;
    }

    private async Task<(int Uid, int Gid, bool SwitchUser)> UserForAsync(string workspaceId, CancellationToken cancellationToken)
    {
        if (!SandboxNative.IsRoot)
        {
            return ((int)SandboxNative.GetEffectiveUid(), (int)SandboxNative.GetEffectiveGid(), false);
        }

        var uid = await AllocateUidAsync(workspaceId, cancellationToken);
        return (uid, uid, true);
    }

    /// <summary>
    /// The workspace's own user id, kept in <c>{WorkspacesDirectory}/{id}.uid</c> (outside what the workspace may write)
    /// for as long as the workspace exists; a new workspace takes the lowest free one.
    /// </summary>
    private async Task<int> AllocateUidAsync(string workspaceId, CancellationToken cancellationToken)
    {
        var root = local.Value.WorkspacesDirectory;
        var file = UidFile(root, workspaceId);
        await _uidLock.WaitAsync(cancellationToken);
        try
        {
            if (ReadUid(file) is { } existing)
            {
                return existing;
            }

            var taken = Directory.EnumerateFiles(root, "*.uid").Select(ReadUid).OfType<int>().ToHashSet();
            var settings = _options.Sandbox;
            for (var uid = settings.FirstUid; uid < settings.FirstUid + settings.UidCount; uid++)
            {
                if (!taken.Contains(uid))
                {
                    await File.WriteAllTextAsync(file, uid.ToString(CultureInfo.InvariantCulture), cancellationToken);
                    LogUidAllocated(workspaceId, uid);
                    return uid;
                }
            }

            throw new IOException($"No user id left for workspace {workspaceId}: all {settings.UidCount} from {settings.FirstUid} are taken (Workspaces:Sandbox:UidCount).");
        }
        finally
        {
            _uidLock.Release();
        }
    }

    public static string UidFile(string workspacesDirectory, string workspaceId) => Path.Combine(workspacesDirectory, workspaceId + ".uid");

    private static int? ReadUid(string file)
    {
        try
        {
            return int.TryParse(File.ReadAllText(file).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var uid) ? uid : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The workspace's directory belongs to its user; checked on its top directory, given recursively when it is not yet.</summary>
    private static void GiveToWorkspace(string directory, int uid, int gid)
    {
        var marker = Path.Combine(directory, ".workspace", "owner");
        var expected = uid.ToString(CultureInfo.InvariantCulture);
        if (File.Exists(marker) && new FileInfo(marker).LinkTarget is null && File.ReadAllText(marker).Trim() == expected)
        {
            // Fresh state directories of this start (run/, .home) still need their owner.
            SandboxNative.ChownOne(directory, uid, gid, link: false);
            SandboxNative.ChownTree(Path.Combine(directory, ".workspace"), uid, gid);
            SandboxNative.ChownOne(Path.Combine(directory, ".home"), uid, gid, link: false);
            return;
        }

        SandboxNative.ChownTree(directory, uid, gid);
        File.Delete(marker);
        File.WriteAllText(marker, expected);
        SandboxNative.ChownOne(marker, uid, gid, link: false);
    }

    private static async Task<SandboxStatus> ProbeOnceAsync(SandboxOptions options, LocalRuntimeOptions local, ILogger logger)
    {
        if (options.Isolation == WorkspaceIsolation.None)
        {
            return new SandboxStatus(WorkspaceIsolation.None, false, null);
        }

        var problem = await ProbeAsync(options.Sandbox, local);
        if (problem is null)
        {
            LogSandboxAvailable(logger);
            return new SandboxStatus(WorkspaceIsolation.Sandbox, true, null);
        }

        LogSandboxUnavailable(logger, problem, SandboxOptions.IsolationKey);
        return new SandboxStatus(WorkspaceIsolation.Sandbox, false, problem);
    }

    /// <summary>Starts a sandbox as a workspace's would be started, running <c>/bin/sh -c 'exit 0'</c>; null when it worked, else why not.</summary>
    public static async Task<string?> ProbeAsync(SandboxSettings settings, LocalRuntimeOptions local)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(local);
        foreach (var (tool, package) in new[] { (settings.BubblewrapPath, "bubblewrap"), (settings.PastaPath, "passt"), (settings.UnsharePath, "util-linux"), (settings.SetprivPath, "util-linux"), (settings.ShellPath, "dash") })
        {
            if (!File.Exists(tool))
            {
                return $"{tool} is missing: install the Debian package '{package}' (apt-get install {package}).";
            }
        }

        var directory = Directory.CreateTempSubdirectory("workspaces-sandbox-probe-");
        try
        {
            var layout = new WorkspaceLayout(directory.FullName, "");
            var socketDirectory = SandboxLayout.HostSocketDirectory(layout);
            Directory.CreateDirectory(socketDirectory);
            var root = SandboxNative.IsRoot;
            var uid = root ? settings.FirstUid : (int)SandboxNative.GetEffectiveUid();
            var gid = root ? settings.FirstUid : (int)SandboxNative.GetEffectiveGid();
            if (root)
            {
                SandboxNative.ChownTree(directory.FullName, uid, gid);
            }

            var agentDirectory = Path.GetDirectoryName(local.AgentPath) is { } a && Directory.Exists(a) ? a : "/usr";
            // The probe ends once pasta serves its namespace (or, should pasta fail, when the supervisor ends the sandbox).
            var network = PrepareNetworkDirectory(directory.FullName, uid, gid, root);
            var waitForNetwork = $"while [ ! -s {SandboxCommand.InsideNetworkReadyFile} ]; do sleep 0.01; done";
            var spec = new SandboxSpec("probe", directory.FullName, socketDirectory, agentDirectory, [], uid, gid, root, ["/bin/sh", "-c", waitForNetwork], [], NetworkDirectory: network);
            var start = new ProcessStartInfo(spec.SwitchUser ? settings.SetprivPath : settings.PastaPath)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            var args = SandboxCommand.Build(spec, settings, PathKind.Of);
            start.FileName = args[0];
            foreach (var arg in args.Skip(1))
            {
                start.ArgumentList.Add(arg);
            }

            SetEnvironment(start.Environment, layout);
            using var process = Process.Start(start) ?? throw new IOException($"{start.FileName} could not be started.");
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(ProbeTimeout);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return $"Starting a test sandbox did not finish within {ProbeTimeout.TotalSeconds:0} seconds.";
            }

            if (process.ExitCode == 0)
            {
                return null;
            }

            var why = string.Join(' ', (await stderr).Split('\n').Where(l => l.Length > 0 && !l.Contains("syslog", StringComparison.Ordinal)).TakeLast(3));
            return $"A test sandbox failed (exit code {process.ExitCode}): {why}. User namespaces may be disabled (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces) or refused by the container this runs in.";
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.ComponentModel.Win32Exception)
        {
            return $"A test sandbox could not be started: {e.Message}";
        }
        finally
        {
            try
            {
                directory.Delete(recursive: true);
            }
            catch (IOException)
            {
                // A temporary directory left behind is harmless.
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspaces run sandboxed (bubblewrap, pasta)")]
    private static partial void LogSandboxAvailable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Workspaces cannot be sandboxed on this machine: {Problem} Workspaces run unisolated, as the service's user, and only one account may create them, until this is fixed or an administrator sets {Key}=None")]
    private static partial void LogSandboxUnavailable(ILogger logger, string problem, string key);

    [LoggerMessage(Level = LogLevel.Information, Message = "Workspace {WorkspaceId} runs as user id {Uid}")]
    private partial void LogUidAllocated(string workspaceId, int uid);
}
