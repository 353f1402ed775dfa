using System.Text.Json;
using Workspaces.Cli.Api;
using Workspaces.Cli.Configuration;
using Workspaces.Shared.Ssh;

namespace Workspaces.Cli.Ssh;

/// <summary>
/// Short-lived user certificates for the CLI's key: asked of the server (<see cref="SshTunnelProtocol.CertificatePath"/>)
/// for one workspace right before ssh connects, and written where ssh's <c>CertificateFile</c> points. The workspace's
/// sshd accepts nothing else, and a certificate outlives its minutes nowhere.
/// </summary>
public static class ClientCertificates
{
    /// <summary>
    /// ssh reads its config twice (and so runs the config-ssh block's <c>Match exec</c> twice) for one connection: a
    /// certificate this young is the one just fetched, not worth a second request.
    /// </summary>
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);

    /// <summary>A new certificate for <paramref name="workspaceId"/>, written to its file; the host key is remembered for <paramref name="alias"/>.</summary>
    public static async Task<SshCertificateGrant> ObtainAsync(ServerConnection server, CliSettings settings, string workspaceId, string alias, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(settings);
        var publicKey = await ClientKeys.EnsureAsync(settings, cancellationToken);
        var answer = await server.PostAsync(SshTunnelProtocol.CertificatePath(workspaceId), JsonSerializer.SerializeToNode(new SshCertificateRequest(publicKey), CliJsonContext.Default.SshCertificateRequest), cancellationToken);
        var grant = new SshCertificateGrant(
            workspaceId,
            answer["user"]?.GetValue<string>() ?? "",
            answer["hostKey"]?.GetValue<string>() ?? "",
            answer["certificate"]?.GetValue<string>() ?? "",
            answer["validBefore"]?.GetValue<DateTimeOffset>() ?? default);
        if (!grant.Certificate.Contains("-cert-v01@openssh.com ", StringComparison.Ordinal) || grant.Certificate.Any(char.IsControl))
        {
            throw new CliException(ExitCodes.ServerUnavailable, "The server's answer has no SSH certificate: is the CLI as new as the server? Update it and try again.");
        }

        var path = settings.CertificateFile(workspaceId);
        CliSettings.CreatePrivateDirectory(Path.GetDirectoryName(path)!);
        // Another ssh may be reading it: write a new file and move it over the old one.
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        await File.WriteAllTextAsync(temporary, grant.Certificate + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temporary, path, overwrite: true);
        ClientKeys.RememberHostKey(settings, alias, grant.HostKey);
        return grant;
    }

    /// <summary>True when the certificate file was written moments ago (see <see cref="Fresh"/>).</summary>
    public static bool IsFresh(CliSettings settings, string workspaceId, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(time);
        var file = new FileInfo(settings.CertificateFile(workspaceId));
        return file.Exists && time.GetUtcNow() - file.LastWriteTimeUtc < Fresh;
    }
}
