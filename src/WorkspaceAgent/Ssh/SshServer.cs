using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.Shared.Ssh;
using Workspaces.WorkspaceAgent.Tasks;

namespace Workspaces.WorkspaceAgent.Ssh;

/// <summary>Why an SSH connection cannot be served: the HTTP status the agent answers and a sentence for the user.</summary>
public sealed class SshUnavailableException(int status, string message) : Exception(message)
{
    public int Status { get; } = status;
}

/// <summary>
/// What a connection's sshd needs, prepared once per agent: the binaries, the config, the workspace's host key, the user
/// sshd logs in and the workspace's user CA (its private key signs certificates, its public key is what sshd trusts).
/// </summary>
public sealed record SshSetup(string SshdPath, string KeygenPath, string ConfigPath, string HostPublicKey, string User, string CaKeyPath);

/// <summary>
/// Prepares OpenSSH for the workspace: finds <c>sshd</c> in the image, keeps a host key and a user CA key per workspace
/// in the agent's state directory (generated with <c>ssh-keygen</c> the first time, so they survive restarts, and never
/// read from <c>/etc/ssh</c>, which a sandboxed agent cannot read or a container may not have) and writes a config:
/// certificates of the workspace's CA only (no authorized_keys, no PAM, no passwords), no agent or X11 forwarding, local
/// port forwarding allowed, root only when the agent itself runs as root (the local runtime run by root), and every
/// session started in the checkout, as terminals are. sshd runs as the agent's own user.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed partial class SshServer(WorkspaceLayout layout, AgentBootstrap bootstrap, ILogger<SshServer> logger) : IDisposable
{
    /// <summary>Where Debian, Alpine and most images put sshd; PATH is looked at too.</summary>
    private static readonly string[] SshdLocations = ["/usr/sbin/sshd", "/usr/local/sbin/sshd", "/sbin/sshd"];

    /// <summary>Where Debian (openssh-sftp-server), Alpine, Fedora and a source build put sftp-server.</summary>
    private static readonly string[] SftpServerLocations = ["/usr/lib/openssh/sftp-server", "/usr/lib/ssh/sftp-server", "/usr/libexec/openssh/sftp-server", "/usr/libexec/sftp-server", "/usr/local/libexec/sftp-server"];

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
        var hostKey = await EnsureKeyAsync(keygen, Path.Combine(Directory, "ssh_host_ed25519_key"), "host", cancellationToken);
        var caKey = await EnsureKeyAsync(keygen, Path.Combine(Directory, "user_ca"), "user CA", cancellationToken);

        var root = geteuid() == 0;
        if (root)
        {
            // sshd started by root checks for its privilege separation directory; a container may not have it yet.
            System.IO.Directory.CreateDirectory("/run/sshd");
        }

        var sftpServer = SftpServerLocations.FirstOrDefault(File.Exists);
        string? session = null;
        if (sftpServer is not null)
        {
            session = Path.Combine(Directory, "session.sh");
            await File.WriteAllTextAsync(session, SessionScript(layout.CheckoutDirectory, layout.WorkspaceDirectory), cancellationToken);
            File.SetUnixFileMode(session, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        else
        {
            LogNoSftpServer();
        }

        var config = Path.Combine(Directory, "sshd_config");
        var environment = TaskEnvironment.Build(TaskEnvironment.OfCurrentProcess(), WorkspaceConfig.Empty, NoTask, bootstrap);
        var settings = new SshConfigSettings(hostKey, caKey + ".pub", Environment.UserName, root, session, sftpServer, layout.CheckoutDirectory);
        await File.WriteAllTextAsync(config, Config(settings, environment), cancellationToken);
        File.SetUnixFileMode(config, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var publicKey = (await File.ReadAllTextAsync(hostKey + ".pub", cancellationToken)).Trim();
        var parts = publicKey.Split(' ');
        return new SshSetup(sshd, keygen, config, parts.Length >= 2 ? parts[0] + " " + parts[1] : publicKey, Environment.UserName, caKey);
    }

    /// <summary>The key pair at <paramref name="path"/>, made with ssh-keygen when it (or its public half) is missing.</summary>
    private async Task<string> EnsureKeyAsync(string keygen, string path, string kind, CancellationToken cancellationToken)
    {
        if (File.Exists(path) && File.Exists(path + ".pub"))
        {
            return path;
        }

        try
        {
            await SshKeygen.CreateKeyAsync(keygen, path, $"workspace {kind}", cancellationToken);
        }
        catch (SshKeygenException e)
        {
            throw new SshUnavailableException(
                e.NotInstalled ? StatusCodes.Status501NotImplemented : StatusCodes.Status503ServiceUnavailable,
                e.NotInstalled
                    ? $"The workspace image has sshd but no ssh-keygen ({e.Message}): add the package openssh-client (or openssh-keygen) to the image."
                    : $"ssh-keygen could not create the workspace's SSH {kind} key: {e.Message}");
        }

        LogKeyCreated(kind, path);
        return path;
    }

    /// <summary>
    /// The forced command of every session: into the checkout (the workspace directory before the clone), then the
    /// client's command through the user's shell, or a login shell. sftp's subsystem command arrives the same way.
    /// </summary>
    public static string SessionScript(string checkout, string workspace) =>
        $$"""
        # Written by the workspace agent for each start: SSH sessions start in the checkout, as terminals do.
        cd {{ShellQuote(checkout)}} 2>/dev/null || cd {{ShellQuote(workspace)}} 2>/dev/null
        command=$SSH_ORIGINAL_COMMAND
        unset SSH_ORIGINAL_COMMAND
        if [ -z "$command" ]; then
            exec "${SHELL:-/bin/sh}" -l
        fi
        exec "${SHELL:-/bin/sh}" -c "$command"

        """;

    private static string ShellQuote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>The generated sshd_config.</summary>
    public static string Config(SshConfigSettings settings, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(environment);
        var text = new StringBuilder();
        text.Append("# Written by the workspace agent for each start; edits are overwritten.\n");
        text.Append("HostKey ").Append(settings.HostKey).Append('\n');
        // Certificates name the agent's user as their principal; AllowUsers also keeps an agent run by root from becoming
        // any other account of the machine.
        text.Append("AllowUsers ").Append(settings.User).Append('\n');
        // Only certificates of this workspace's CA: another workspace's CA (and so its certificates) is not trusted here,
        // and no authorized_keys file of the user's home counts.
        text.Append("TrustedUserCAKeys ").Append(settings.CaPublicKey).Append('\n');
        text.Append("AuthorizedKeysFile none\n");
        if (settings.SessionScript is { } script && settings.SftpServer is { } sftp)
        {
            text.Append("ForceCommand /bin/sh ").Append(ShellQuote(script)).Append('\n');
            text.Append("Subsystem sftp ").Append(sftp).Append('\n');
        }
        else
        {
            // Without sftp-server a forced command would break sftp: sessions start in the home directory, sftp in the
            // checkout (when its path needs no quoting: -d expands % tokens and the line is split at spaces).
            text.Append("Subsystem sftp internal-sftp");
            if (!settings.Checkout.Any(c => char.IsWhiteSpace(c) || c is '"' or '\'' or '\\'))
            {
                text.Append(" -d ").Append(settings.Checkout.Replace("%", "%%", StringComparison.Ordinal));
            }

            text.Append('\n');
        }

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
            LogLevel ERROR

            """);
        // sshd reads nothing of the user's home (no authorized_keys, no rc); the files it reads are the agent's own, 0600
        // in a 0700 directory, and StrictModes would only add refusals when a parent of the data directory is
        // group-writable (a temporary directory), which proves nothing here.
        text.Append("StrictModes no\n");
        text.Append("PermitRootLogin ").Append(settings.Root ? "prohibit-password" : "no").Append('\n');
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

    [System.Runtime.InteropServices.LibraryImport("libc")]
    private static partial uint geteuid();

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the workspace's SSH {Kind} key {Path}")]
    private partial void LogKeyCreated(string kind, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "The image has no sftp-server (package openssh-sftp-server): SSH sessions start in the home directory")]
    private partial void LogNoSftpServer();
}

/// <summary>What the generated sshd_config is made of (see <see cref="SshServer.Config"/>).</summary>
/// <param name="SessionScript">The forced command's script; null (with <paramref name="SftpServer"/>) when the image has no sftp-server.</param>
public sealed record SshConfigSettings(string HostKey, string CaPublicKey, string User, bool Root, string? SessionScript, string? SftpServer, string Checkout);
