using System.Diagnostics;
using Workspaces.Cli.Configuration;

namespace Workspaces.Cli.Ssh;

/// <summary>
/// The CLI's own SSH key pair (<c>ssh/id_ed25519</c> in its directory), made with <c>ssh-keygen</c> the first time. Its
/// public half goes with each tunnel and is authorized for that tunnel's sshd alone; the private half never leaves this
/// machine. And the CLI's own known_hosts, where each workspace's host key is written as the tunnel reports it.
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
        File.Delete(settings.IdentityFile);
        File.Delete(publicFile);
        var start = new ProcessStartInfo("ssh-keygen") { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var argument in new[] { "-q", "-t", "ed25519", "-N", "", "-C", "workspaces-cli", "-f", settings.IdentityFile })
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
            throw new CliException(ExitCodes.Failed, $"ssh-keygen is not installed ({e.Message}): install the OpenSSH client (Debian/Ubuntu: openssh-client).");
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
                throw new CliException(ExitCodes.Failed, $"ssh-keygen could not create {settings.IdentityFile}: {reason}");
            }
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
