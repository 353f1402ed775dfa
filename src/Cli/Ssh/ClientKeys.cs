using Workspaces.Cli.Configuration;
using Workspaces.Shared.Ssh;

namespace Workspaces.Cli.Ssh;

/// <summary>
/// The CLI's own SSH key pair (<c>ssh/id_ed25519</c> in its directory), made with <c>ssh-keygen</c> the first time: its
/// public half is certified for minutes by a workspace (<see cref="ClientCertificates"/>), its private half never leaves
/// this machine. And the CLI's own known_hosts, where each workspace's host key is written as the server reports it.
/// </summary>
public static class ClientKeys
{
    /// <summary>The public key line, creating the pair when there is none.</summary>
    public static async Task<string> EnsureAsync(CliSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var publicFile = settings.IdentityFile + ".pub";
        if (File.Exists(settings.IdentityFile) && File.Exists(publicFile))
        {
            return (await File.ReadAllTextAsync(publicFile, cancellationToken)).Trim();
        }

        CliSettings.CreatePrivateDirectory(settings.SshDirectory);
        try
        {
            await SshKeygen.CreateKeyAsync("ssh-keygen", settings.IdentityFile, "workspaces-cli", cancellationToken);
        }
        catch (SshKeygenException e)
        {
            throw new CliException(ExitCodes.Failed, e.NotInstalled
                ? $"{e.Message}: install the OpenSSH client (Debian/Ubuntu: openssh-client)."
                : $"ssh-keygen could not create {settings.IdentityFile}: {e.Message}");
        }

        return (await File.ReadAllTextAsync(publicFile, cancellationToken)).Trim();
    }

    /// <summary>Records <paramref name="hostKey"/> for <paramref name="alias"/> in the CLI's known_hosts, replacing an older line.</summary>
    public static void RememberHostKey(CliSettings settings, string alias, string hostKey)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (string.IsNullOrWhiteSpace(hostKey) || hostKey.Any(char.IsControl) || alias.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            return;
        }

        CliSettings.CreatePrivateDirectory(settings.SshDirectory);
        var path = settings.KnownHostsFile;
        var lines = File.Exists(path) ? File.ReadAllLines(path).ToList() : [];
        var line = $"{alias} {hostKey.Trim()}";
        if (lines.Contains(line, StringComparer.Ordinal))
        {
            return;
        }

        lines.RemoveAll(l => l.Split(' ', 2)[0] == alias);
        lines.Add(line);
        // Another ssh may be reading it: write a new file and move it over the old one.
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, path, overwrite: true);
    }
}
