using System.Text;

namespace Workspaces.Cli.Ssh;

/// <summary>One workspace's entry in the block: its host alias, the user sshd logs in (when known) and the ProxyCommand.</summary>
public sealed record SshHostEntry(string Alias, string WorkspaceId, string? User);

/// <summary>What the block points ssh at: this program (for ProxyCommand, and quoted for a shell), the key, known hosts and certificates.</summary>
public sealed record SshClientFiles(string ProxyCommand, string ShellCommand, string IdentityFile, string KnownHostsFile, Func<string, string> CertificateFile);

/// <summary>
/// The marked block <c>workspaces config-ssh</c> keeps in <c>~/.ssh/config</c>: written between its two marker lines and
/// replaced there next time; every line outside it is kept byte for byte. A file it cannot read with certainty (a
/// marker without its pair, two blocks, a line with an unclosed quote, binary content) is refused rather than rewritten.
/// Each host has a <c>Match … exec</c> after it that fetches a fresh short-lived certificate before ssh connects (ssh
/// reads its config before it starts the ProxyCommand, and loads the certificate before the tunnel is up).
/// </summary>
public static class SshConfigBlock
{
    public const string BeginMarker = "# --- BEGIN workspaces config-ssh (generated: edits inside are replaced) ---";
    public const string EndMarker = "# --- END workspaces config-ssh ---";

    /// <summary>The block's text, markers included, ending with a newline.</summary>
    public static string Render(IReadOnlyList<SshHostEntry> entries, SshClientFiles files)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(files);
        var text = new StringBuilder().Append(BeginMarker).Append('\n');
        foreach (var entry in entries)
        {
            text.Append("Host ").Append(entry.Alias).Append('\n');
            text.Append("  HostName ").Append(entry.Alias).Append('\n');
            if (entry.User is { Length: > 0 } user)
            {
                text.Append("  User ").Append(user).Append('\n');
            }

            text.Append("  ProxyCommand ").Append(files.ProxyCommand).Append(" ssh --stdio %h\n");
            text.Append("  IdentityFile ").Append(Quote(files.IdentityFile)).Append('\n');
            text.Append("  IdentitiesOnly yes\n");
            text.Append("  UserKnownHostsFile ").Append(Quote(files.KnownHostsFile)).Append('\n');
            text.Append("  StrictHostKeyChecking yes\n");
            text.Append("  ForwardAgent no\n");
            text.Append("  ServerAliveInterval 30\n");
            text.Append("Match host ").Append(entry.Alias).Append(" exec \"").Append(files.ShellCommand).Append(" ssh --certificate %h\"\n");
            text.Append("  CertificateFile ").Append(Quote(files.CertificateFile(entry.WorkspaceId))).Append('\n');
        }

        return text.Append(EndMarker).Append('\n').ToString();
    }

    /// <summary>The file with the block put in (replacing the old one in place, or appended), or a refusal saying why not.</summary>
    public static string Apply(string existing, string block)
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(block);
        if (existing.Contains('\0', StringComparison.Ordinal))
        {
            throw new CliException(ExitCodes.Failed, "The SSH config has binary content; config-ssh leaves it alone. Fix the file (or pass --ssh-config another file) and run it again.");
        }

        var lines = existing.Split('\n');
        int begin = -1, end = -1;
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r').Trim();
            if (line == BeginMarker)
            {
                if (begin >= 0)
                {
                    throw Unparsable(i, "a second BEGIN marker of config-ssh");
                }

                begin = i;
            }
            else if (line == EndMarker)
            {
                if (begin < 0 || end >= 0)
                {
                    throw Unparsable(i, "an END marker of config-ssh without its BEGIN");
                }

                end = i;
            }
            else if ((begin < 0 || end >= 0) && line.Count(c => c == '"') % 2 != 0)
            {
                throw Unparsable(i, "an unclosed quote");
            }
        }

        if (begin >= 0 && end < 0)
        {
            throw Unparsable(begin, "a BEGIN marker of config-ssh without its END");
        }

        if (begin >= 0)
        {
            var before = string.Join('\n', lines[..begin]);
            var after = string.Join('\n', lines[(end + 1)..]);
            return (begin > 0 ? before + "\n" : "") + block + (after.Length > 0 ? after : "");
        }

        if (existing.Length == 0)
        {
            return block;
        }

        var separator = existing.EndsWith('\n') ? (existing.EndsWith("\n\n", StringComparison.Ordinal) ? "" : "\n") : "\n\n";
        return existing + separator + block;
    }

    /// <summary>The file without the block (for <c>config-ssh --remove</c>); unchanged when there is none.</summary>
    public static string Remove(string existing)
    {
        var withEmpty = Apply(existing, "\u0001");
        return withEmpty.Contains('\u0001', StringComparison.Ordinal) && existing.Contains(BeginMarker, StringComparison.Ordinal)
            ? withEmpty.Replace("\u0001", "", StringComparison.Ordinal)
            : existing;
    }

    private static string Quote(string path) => path.Contains(' ', StringComparison.Ordinal) ? $"\"{path}\"" : path;

    private static CliException Unparsable(int index, string what) =>
        new(ExitCodes.Failed, $"The SSH config has {what} on line {index + 1}; config-ssh changes nothing it cannot read with certainty. Fix that line and run it again.");
}
