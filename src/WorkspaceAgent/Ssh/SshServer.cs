using System.Diagnostics;
using System.Globalization;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.WorkspaceAgent.Tasks;

namespace Workspaces.WorkspaceAgent.Ssh;

/// <summary>Why an SSH connection cannot be served: the HTTP status the agent answers and a sentence for the user.</summary>
public sealed class SshUnavailableException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>What a connection's sshd needs, prepared once per agent: the binary, the workspace's host key and the config.</summary>
public sealed record SshSetup(string SshdPath, string ConfigPath, string HostPublicKey, string User, string KeysDirectory);

/// <summary>
/// Prepares OpenSSH for the workspace: finds <c>sshd</c> in the image, keeps a host key per workspace in the agent's
/// state directory (generated with <c>ssh-keygen</c> the first time, so it survives restarts, and never read from
/// <c>/etc/ssh</c>, which a sandboxed agent cannot read or a container may not have) and writes a config: public keys
/// only, no PAM, no passwords, no agent or X11 forwarding, local port forwarding allowed, root only by key and only when
/// the agent itself runs as root (the local runtime run by root), SFTP in-process. sshd runs as the agent's own user.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class SshServer(WorkspaceLayout layout, AgentBootstrap bootstrap, ILogger<SshServer> logger) : IDisposable
{
    /// <summary>Where Debian, Alpine and most images put sshd; PATH is looked at too.</summary>
    private static readonly string[] SshdLocations = ["/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"];

    /// <summary>sshd splits a config line into at most a few hundred words.</summary>
    private const int MaxVariables = 200;

    private static readonly WorkspaceTask NoTask = new(string.Empty, null, null, null, new Dictionary<string, string>());

    private readonly SemaphoreSlim _gate = new(1, 1);
    private SshSetup? _setup;

    public string Directory => Path.Combine(layout.StateDirectory, "ssh");

    public void Dispose() => _gate.Dispose();

    /// <summary>The prepared setup; throws <see cref="SshUnavailableException"/> with what to do when it cannot be.</summary>
    public async Task<SshSetup> PrepareAsync(CancellationToken cancellationToken)
    {
        if (_setup is { } ready)
        {
            return ready;
        }

        await _gate.WaitAsync(cancellationToken);
        try
        {
            return _setup ??= await CreateSetupAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>The first sshd of the known locations, then of PATH; null when the image has none.</summary>
    public static string? FindSshd(string? path)
    {
        foreach (var candidate in SshdLocations.Concat((path ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Select(d => Path.Combine(d, "sshd"))))
        {
            if (Path.IsPathRooted(candidate) && File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private async Task<SshSetup> CreateSetupAsync(CancellationToken cancellationToken)
    {
        var sshd = FindSshd(Environment.GetEnvironmentVariable("PATH"))
            ?? throw new SshUnavailableException(StatusCodes.Status501NotImplemented, "The workspace image has no OpenSSH server (sshd): add the package openssh-server to the image (Debian, Ubuntu and Alpine call it that) and restart the workspace.");
        var keygen = Path.Combine(Path.GetDirectoryName(sshd)!, "..", "bin", "ssh-keygen");
        keygen = File.Exists(keygen) ? Path.GetFullPath(keygen) : "ssh-keygen";

        System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var keys = Path.Combine(Directory, "authorized");
        System.IO.Directory.CreateDirectory(keys, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        foreach (var stale in System.IO.Directory.EnumerateFiles(keys))
        {
            File.Delete(stale);
        }

        var hostKey = Path.Combine(Directory, "ssh_host_ed25519_key");
        if (!File.Exists(hostKey) || !File.Exists(hostKey + ".pub"))
        {
            File.Delete(hostKey);
            File.Delete(hostKey + ".pub");
            await RunKeygenAsync(keygen, hostKey, cancellationToken);
            LogHostKeyCreated(hostKey);
        }

        var root = geteuid() == 0;
        if (root)
        {
            // sshd started by root checks for its privilege separation directory; a container may not have it yet.
            System.IO.Directory.CreateDirectory("/run/sshd");
        }

        var config = Path.Combine(Directory, "sshd_config");
        var environment = TaskEnvironment.Build(TaskEnvironment.OfCurrentProcess(), WorkspaceConfig.Empty, NoTask, bootstrap);
        await File.WriteAllTextAsync(config, Config(hostKey, Environment.UserName, root, environment), cancellationToken);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var publicKey = (await File.ReadAllTextAsync(hostKey + ".pub", cancellationToken)).Trim();
        var parts = publicKey.Split(' ');
        return new SshSetup(sshd, config, parts.Length >= 2 ? parts[0] + " " + parts[1] : publicKey, Environment.UserName, keys);
    }

    /// <summary>The generated sshd_config. The per-connection authorized key file is given on sshd's command line.</summary>
    public static string Config(string hostKey, string user, bool root, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var text = new StringBuilder();
        text.Append("# Written by the workspace agent for each start; edits are overwritten.\n");
        text.Append("HostKey ").Append(hostKey).Append('\n');
        // The key file holds for any user name; only the agent's own user may log in (an agent run by root could otherwise
        // become any account of the machine).
        text.Append("AllowUsers ").Append(user).Append('\n');
        text.Append("""
            PidFile none
            UsePAM no
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            HostbasedAuthentication no
            PubkeyAuthentication yes
            AuthenticationMethods publickey
            PermitEmptyPasswords no
            AllowAgentForwarding no
            AllowStreamLocalForwarding no
            AllowTcpForwarding local
            GatewayPorts no
            X11Forwarding no
            PermitTunnel no
            PermitUserEnvironment no
            PermitUserRC no
            PrintMotd no
            PrintLastLog no
            UseDNS no
            Compression no
            ClientAliveInterval 15
            ClientAliveCountMax 4
            LoginGraceTime 30
            MaxAuthTries 3
            MaxSessions 16
            Subsystem sftp internal-sftp
            LogLevel ERROR

            """);
        // The key file is written by the agent itself, 0600, in its own 0700 directory; StrictModes would also refuse it
        // when a parent of the data directory is group-writable (a temporary directory), which proves nothing here.
        text.Append("StrictModes no\n");
        text.Append("PermitRootLogin ").Append(root ? "prohibit-password" : "no").Append('\n');
        // What the workspace's terminals see (project variables, the workspace home); a value sshd_config cannot quote
        // faithfully stays out rather than arriving changed. sshd takes only the first SetEnv line, so all go on one.
        var variables = environment
            .Where(p => IsPlainName(p.Key) && !p.Value.Any(c => char.IsControl(c) || c is '"' or '\\' or '\''))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Take(MaxVariables)
            .Select(p => $"\"{p.Key}={p.Value}\"")
            .ToList();
        if (variables.Count > 0)
        {
            text.Append("SetEnv ").AppendJoin(' ', variables).Append('\n');
        }

        return text.ToString();
    }

    private static bool IsPlainName(string name) =>
        name.Length > 0 && !char.IsDigit(name[0]) && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_')
        && name is not ("SSH_AUTH_SOCK" or "SSH_CONNECTION" or "SSH_CLIENT" or "SSH_TTY" or "USER" or "LOGNAME" or "SHELL" or "MAIL" or "TERM" or "PWD" or "OLDPWD" or "SHLVL" or "_");

    private static async Task RunKeygenAsync(string keygen, string path, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(keygen)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "-q", "-t", "ed25519", "-N", "", "-C", "workspace", "-f", path })
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new SshUnavailableException(StatusCodes.Status501NotImplemented, $"The workspace image has sshd but no ssh-keygen ({e.Message}): add the package openssh-client (or openssh-keygen) to the image.");
        }

        using (process)
        {
            process.StandardInput.Close();
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardOutput.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                var reason = (await error).Trim();
                throw new SshUnavailableException(StatusCodes.Status503ServiceUnavailable, string.Create(CultureInfo.InvariantCulture, $"ssh-keygen could not create the workspace's host key (exit {process.ExitCode}): {reason}"));
            }
        }
    }

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial uint geteuid();

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the workspace's SSH host key {Path}")]
    private partial void LogHostKeyCreated(string path);
}
