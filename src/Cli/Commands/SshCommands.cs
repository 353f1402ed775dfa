using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Win32.SafeHandles;
using Workspaces.Cli.Api;
using Workspaces.Cli.Ssh;
using Workspaces.Shared.Ssh;

namespace Workspaces.Cli.Commands;

/// <summary><c>ssh</c> (interactive, a command, or <c>--stdio</c> as ssh's ProxyCommand) and <c>config-ssh</c>.</summary>
public static class SshCommands
{
    public const string DefaultPrefix = "workspaces";

    public static Command Ssh(GlobalOptions globals)
    {
        var target = new Argument<string>("workspace") { Description = "The workspace id (or, with --stdio, the host name ssh was given: <prefix>.<id>)" };
        target.CompletionSources.Add(WorkspaceCompletion.Source(globals));
        var command = new Argument<string[]>("command") { Description = "A command to run instead of a shell (after --); its exit code is ssh's", Arity = ArgumentArity.ZeroOrMore };
        var stdio = new Option<bool>("--stdio") { Description = "Carry an SSH connection on standard input and output (ssh's ProxyCommand)" };
        var certificate = new Option<bool>("--certificate") { Description = "Only fetch a fresh short-lived SSH certificate for the host (the config-ssh block runs this before ssh connects)" };
        var ssh = new Command("ssh", "Open a shell in a workspace over SSH, run a command there, or serve as ssh's ProxyCommand") { target, command, stdio, certificate };
        ssh.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            if (parse.GetValue(certificate))
            {
                return CertificateAsync(context, parse.GetValue(target)!, ct);
            }

            return Runner.RunAsync(context, token => parse.GetValue(stdio)
                ? StdioAsync(context, parse.GetValue(target)!, token)
                : InteractiveAsync(context, parse.GetValue(target)!, parse.GetValue(command) ?? [], token), ct);
        });
        return ssh;
    }

    public static Command ConfigSsh(GlobalOptions globals)
    {
        var file = new Option<string?>("--ssh-config") { Description = "The SSH config file to write (default ~/.ssh/config)" };
        var prefix = new Option<string>("--prefix") { Description = "Host names are <prefix>.<workspace>", DefaultValueFactory = _ => DefaultPrefix };
        var user = new Option<string?>("--user") { Description = "The remote user for workspaces that are not running (running ones report theirs)" };
        var remove = new Option<bool>("--remove") { Description = "Take the block out again" };
        var config = new Command("config-ssh", "Write a Host entry for each of your workspaces into ~/.ssh/config (a marked block, replaced each time; a backup is kept)") { file, prefix, user, remove };
        config.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, token => ConfigSshAsync(context, parse.GetValue(file), parse.GetValue(prefix)!, parse.GetValue(user), parse.GetValue(remove), token), ct);
        });
        return config;
    }

    /// <summary>The workspace id in a host name: what follows the last dot (ids have none).</summary>
    public static string WorkspaceIdOf(string host)
    {
        ArgumentNullException.ThrowIfNull(host);
        var dot = host.LastIndexOf('.');
        return dot >= 0 ? host[(dot + 1)..] : host;
    }

    private static async Task<int> StdioAsync(CliContext context, string host, CancellationToken cancellationToken)
    {
        using var server = context.Connect();
        using var tunnel = await SshTunnelClient.OpenAsync(server, WorkspaceIdOf(host), cancellationToken);
        // Before the first byte reaches ssh: it checks the host key when the server's key exchange arrives.
        ClientKeys.RememberHostKey(context.Settings, host, tunnel.HostKey);
        await using var input = StandardStream(0, FileAccess.Read);
        await using var output = StandardStream(1, FileAccess.Write);
        await tunnel.PumpAsync(input, output, cancellationToken);
        return ExitCodes.Ok;
    }

    /// <summary>
    /// ssh hands its ProxyCommand two pipes: on Unix they are read and written as the files they are, unbuffered, rather
    /// than through Console's streams, which lock Console.Out and track the cursor position on every write.
    /// </summary>
    private static Stream StandardStream(int descriptor, FileAccess access) =>
        OperatingSystem.IsWindows()
            ? (access == FileAccess.Read ? Console.OpenStandardInput() : Console.OpenStandardOutput())
            : new FileStream(new SafeFileHandle(descriptor, ownsHandle: false), access, bufferSize: 0);

    /// <summary>
    /// Run by ssh itself (the block's <c>Match exec</c>) before it connects: a failure is silent here, since ssh then goes
    /// on without the certificate and the ProxyCommand says what is wrong (not running, refused) in its own words.
    /// </summary>
    private static async Task<int> CertificateAsync(CliContext context, string host, CancellationToken cancellationToken)
    {
        var id = WorkspaceIdOf(host);
        if (ClientCertificates.IsFresh(context.Settings, id, TimeProvider.System))
        {
            return ExitCodes.Ok;
        }

        try
        {
            using var server = context.Connect();
            await ClientCertificates.ObtainAsync(server, context.Settings, id, host, cancellationToken);
            return ExitCodes.Ok;
        }
        catch (CliException e)
        {
            return e.ExitCode;
        }
    }

    private static Task<int> InteractiveAsync(CliContext context, string workspace, string[] command, CancellationToken cancellationToken) =>
        RunSshAsync(context, workspace, [], command, cancellationToken);

    /// <summary>Runs OpenSSH's ssh to the workspace with this program as its ProxyCommand; its exit code is ssh's.</summary>
    public static async Task<int> RunSshAsync(CliContext context, string workspace, IReadOnlyList<string> sshOptions, string[] command, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sshOptions);
        var id = WorkspaceIdOf(workspace);
        using var server = context.Connect();
        var alias = $"{DefaultPrefix}.{id}";
        var grant = await ClientCertificates.ObtainAsync(server, context.Settings, id, alias, cancellationToken);
        var start = new ProcessStartInfo("ssh") { UseShellExecute = false };
        foreach (var argument in sshOptions.Concat(SshArguments(context, id, alias, grant.User, command)))
        {
            start.ArgumentList.Add(argument);
        }

        // The ProxyCommand is this program again: it finds the same server and token through the environment.
        start.Environment["WORKSPACES_URL"] = server.BaseUrl.AbsoluteUri;
        start.Environment["WORKSPACES_TOKEN"] = server.Token;
        start.Environment["WORKSPACES_CONFIG_DIR"] = context.Settings.Directory;
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new CliException(ExitCodes.Failed, $"The OpenSSH client (ssh) is not installed ({e.Message}): install it (Debian/Ubuntu: openssh-client) and try again.");
        }

        using (process)
        {
            await process.WaitForExitAsync(cancellationToken);
            return process.ExitCode;
        }
    }

    private static IEnumerable<string> SshArguments(CliContext context, string id, string alias, string? user, string[] command)
    {
        foreach (var option in new[]
        {
            $"ProxyCommand={SelfCommand()} ssh --stdio %h",
            $"IdentityFile={context.Settings.IdentityFile}",
            $"CertificateFile={context.Settings.CertificateFile(id)}",
            "IdentitiesOnly=yes",
            $"UserKnownHostsFile={context.Settings.KnownHostsFile}",
            "StrictHostKeyChecking=yes",
            "ForwardAgent=no",
            "ServerAliveInterval=30",
        })
        {
            yield return "-o";
            yield return option;
        }

        if (user is { Length: > 0 })
        {
            yield return "-l";
            yield return user;
        }

        yield return alias;
        if (command.Length > 0)
        {
            yield return "--";
            foreach (var part in command)
            {
                yield return part;
            }
        }
    }

    /// <summary>How ssh starts this program again: its own executable (the tool's shim), or dotnet and its assembly.</summary>
    public static string SelfCommand()
    {
        var process = ProgramPath();
        var name = Path.GetFileNameWithoutExtension(process);
        return name == "dotnet"
            ? $"{Quote(process)} {Quote(OwnAssemblyPath())}"
            : Quote(process);
    }

    /// <summary>
    /// The assembly <c>dotnet</c> was given, when this runs framework-dependent through the host (the tool's <c>any</c>
    /// package on a machine without a native build): next to the other files, since the native build has no assembly
    /// file and so no <c>Assembly.Location</c>.
    /// </summary>
    private static string OwnAssemblyPath() => Path.Combine(AppContext.BaseDirectory, typeof(SshCommands).Assembly.GetName().Name + ".dll");

    /// <summary>
    /// This program for a config-ssh block's <c>Match exec</c>: ssh hands that string to the shell and cannot escape a
    /// double quote inside it, so the parts are single-quoted (a path with a quote in it is refused).
    /// </summary>
    public static string SelfCommandForShell()
    {
        var process = ProgramPath();
        string[] parts = Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, OwnAssemblyPath()] : [process];
        if (parts.Any(p => p.Contains('\'', StringComparison.Ordinal) || p.Contains('"', StringComparison.Ordinal)))
        {
            throw new CliException(ExitCodes.Failed, $"The path of this program ({string.Join(' ', parts)}) has a quote, which an SSH config cannot carry: install the tool where its path has none and run config-ssh again.");
        }

        return string.Join(' ', parts.Select(p => $"'{p}'"));
    }

    /// <summary>
    /// This program's path as the user reaches it. A native tool runs from the tool store
    /// (<c>~/.dotnet/tools/.store/&lt;package&gt;/&lt;version&gt;/…</c>), reached through a link in <c>~/.dotnet/tools</c>;
    /// the store's version folder goes with the next <c>dotnet tool update</c>, the link stays, so ssh is given the link.
    /// </summary>
    private static string ProgramPath()
    {
        var process = Environment.ProcessPath ?? "workspaces";
        var name = Path.GetFileName(process);
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append(Path.Combine(Environment.GetEnvironmentVariable("DOTNET_CLI_HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools"));
        return StablePath(process, directories.Select(d => Path.Combine(d, name)));
    }

    /// <summary>The first of <paramref name="links"/> that leads to <paramref name="process"/> when it runs from a tool store, else the process's own path.</summary>
    internal static string StablePath(string process, IEnumerable<string> links)
    {
        var store = $"{Path.DirectorySeparatorChar}.store{Path.DirectorySeparatorChar}";
        if (!process.Contains(store, StringComparison.Ordinal))
        {
            return process;
        }

        foreach (var link in links.Where(Path.IsPathFullyQualified))
        {
            try
            {
                if (new FileInfo(link).ResolveLinkTarget(returnFinalTarget: true)?.FullName == process)
                {
                    return link;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not a link we may follow: try the next.
            }
        }

        return process;
    }

    private static string Quote(string path) => path.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '$' or '`' or '\\') ? $"\"{path.Replace("\"", "\\\"", StringComparison.Ordinal)}\"" : path;

    private static async Task<int> ConfigSshAsync(CliContext context, string? file, string prefix, string? user, bool remove, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(prefix) || prefix.Any(c => char.IsWhiteSpace(c) || c is '*' or '?' or '!' or '#'))
        {
            throw new CliException(ExitCodes.Usage, $"--prefix '{prefix}' cannot be part of a host name: use letters, digits, dots or dashes.");
        }

        file ??= Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "config");
        var existing = File.Exists(file) ? await File.ReadAllTextAsync(file, cancellationToken) : "";
        var entries = new List<SshHostEntry>();
        string updated;
        if (remove)
        {
            updated = SshConfigBlock.Remove(existing);
        }
        else
        {
            using var server = context.Connect();
            await ClientKeys.EnsureAsync(context.Settings, cancellationToken);
            var shellCommand = SelfCommandForShell();
            var listed = await server.GetAsync("/api/workspaces", cancellationToken);
            foreach (var workspace in listed.AsArray())
            {
                var id = workspace?["id"]?.GetValue<string>();
                if (id is null)
                {
                    continue;
                }

                entries.Add(new SshHostEntry($"{prefix}.{id}", id, await RemoteUserAsync(server, id, cancellationToken) ?? user));
            }

            var block = SshConfigBlock.Render(entries, new SshClientFiles(SelfCommand(), shellCommand, context.Settings.IdentityFile, context.Settings.KnownHostsFile, context.Settings.CertificateFile));
            updated = SshConfigBlock.Apply(existing, block);
        }

        string? backup = null;
        if (updated != existing)
        {
            EnsureParentDirectory(file);
            if (File.Exists(file))
            {
                backup = file + ".workspaces-backup";
                File.Copy(file, backup, overwrite: true);
            }

            var temporary = $"{file}.{Environment.ProcessId}.tmp";
            await File.WriteAllTextAsync(temporary, updated, cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temporary, file, overwrite: true);
        }

        var hosts = new JsonArray(entries.Select(e => (JsonNode)new JsonObject { ["host"] = e.Alias, ["workspaceId"] = e.WorkspaceId, ["user"] = e.User }).ToArray());
        context.Print(
            new JsonObject { ["configFile"] = file, ["backup"] = backup, ["changed"] = updated != existing, ["hosts"] = hosts },
            () => remove
                ? $"Removed the workspaces block from {file}{(backup is null ? "" : $" (backup: {backup})")}."
                : entries.Count == 0
                    ? $"You have no workspaces yet; {file} has an empty block. Create one with `workspaces create <git-url>` and run config-ssh again."
                    : $"{(updated == existing ? "Already up to date" : "Wrote")}: {file}{(backup is null ? "" : $" (backup: {backup})")}\n"
                        + string.Join("\n", entries.Select(e => $"  ssh {e.Alias}{(e.User is null ? "   (not running: its user is known once it runs; run config-ssh again, or pass --user)" : "")}")));
        return ExitCodes.Ok;
    }

    private static void EnsureParentDirectory(string file)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(file))!;
        if (!Directory.Exists(directory))
        {
            Configuration.CliSettings.CreatePrivateDirectory(directory);
        }
    }

    /// <summary>The user sshd logs in, from a running workspace's agent; null when it does not run or has no sshd.</summary>
    private static async Task<string?> RemoteUserAsync(ServerConnection server, string id, CancellationToken cancellationToken)
    {
        try
        {
            return (await server.GetAsync(SshTunnelProtocol.InfoPath(id), cancellationToken))["user"]?.GetValue<string>();
        }
        catch (CliException e) when (e.ExitCode is ExitCodes.NotRunning or ExitCodes.NoSshServer or ExitCodes.NotFound or ExitCodes.ServerUnavailable)
        {
            return null;
        }
    }
}
