using System.Globalization;
using System.Text;

namespace Workspaces.WorkspaceController.Local.Sandbox;

/// <summary>
/// The <c>/etc/passwd</c> and <c>/etc/group</c> a sandbox sees: the host's system accounts (below
/// <see cref="FirstRegularId"/>, and <c>nobody</c>) plus the workspace's own user, whose home is the workspace's home.
/// Without it a workspace's user id has no name: shells prompt "I have no name!", and sshd refuses to run at all.
/// No other person's account of the host is listed.
/// </summary>
public static class SandboxIdentity
{
    public const int FirstRegularId = 1000;
    private const int Nobody = 65534;

    public static string Passwd(string hostPasswd, string name, int uid, int gid, string home, string shell)
    {
        ArgumentNullException.ThrowIfNull(hostPasswd);
        var text = new StringBuilder();
        foreach (var fields in Entries(hostPasswd, 7))
        {
            if (IsSystemId(fields[2]) && fields[0] != name && fields[2] != Id(uid))
            {
                text.Append(string.Join(':', fields)).Append('\n');
            }
        }

        return text.Append(CultureInfo.InvariantCulture, $"{name}:x:{uid}:{gid}:Workspace:{home}:{shell}\n").ToString();
    }

    /// <summary>
    /// Only the workspace's own group and <c>nogroup</c>: no other group id is mapped into the sandbox's user namespace,
    /// so another name would only mislead, and a <c>tty</c> group makes sshd try to give its terminal to a group it cannot
    /// have (and fail the session).
    /// </summary>
    public static string Group(string hostGroup, string name, int gid)
    {
        ArgumentNullException.ThrowIfNull(hostGroup);
        var text = new StringBuilder();
        foreach (var fields in Entries(hostGroup, 4))
        {
            if (fields[2] == Id(Nobody) && fields[0] != name && gid != Nobody)
            {
                fields[3] = string.Empty;
                text.Append(string.Join(':', fields)).Append('\n');
            }
        }

        return text.Append(CultureInfo.InvariantCulture, $"{name}:x:{gid}:\n").ToString();
    }

    /// <summary>The workspace user's name: the service's own when it runs as a regular user, else <c>workspace</c>.</summary>
    public static string UserName(bool switchUser) => switchUser || Environment.UserName is not { Length: > 0 } own || own == "root" ? "workspace" : own;

    public static string Shell => File.Exists("/bin/bash") ? "/bin/bash" : "/bin/sh";

    private static IEnumerable<string[]> Entries(string text, int fieldCount) =>
        text.Split('\n').Where(l => l.Length > 0 && l[0] != '#').Select(l => l.Split(':')).Where(f => f.Length == fieldCount);

    private static bool IsSystemId(string field) =>
        int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && (id < FirstRegularId || id == Nobody);

    private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);
}
