using Microsoft.Extensions.Options;

namespace Workspaces.Web.Ssh;

/// <summary><c>Workspaces:Ssh</c>: the SSH tunnel to workspaces (<c>workspaces ssh</c>, <c>ProxyCommand</c>).</summary>
public sealed class SshOptions
{
    public const string SectionName = "Workspaces:Ssh";

    /// <summary>Open tunnels to one workspace at a time, everyone's together; one more is refused with 429.</summary>
    public int MaxTunnelsPerWorkspace { get; set; } = 16;

    /// <summary>The largest WebSocket message a client may send; a larger one closes that tunnel (1009).</summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>How often the web app pings a tunnel's client.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>A client that answers no ping for this long is taken for gone and its tunnel closed (a half-open connection).</summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// How long a user certificate from <c>POST /api/workspaces/{id}/ssh/certificate</c> is accepted by the workspace's
    /// sshd. It only has to outlive the start of one connection (an open session is not cut when it expires).
    /// </summary>
    public TimeSpan CertificateLifetime { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the connection to the workspace's agent may take.</summary>
    public TimeSpan AgentConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class SshOptionsValidator : IValidateOptions<SshOptions>
{
    public ValidateOptionsResult Validate(string? name, SshOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxTunnelsPerWorkspace is < 1 or > 10_000)
        {
            failures.Add($"{SshOptions.SectionName}:MaxTunnelsPerWorkspace must be from 1 to 10000 (it is {options.MaxTunnelsPerWorkspace}).");
        }

        // The CLI sends messages of up to ClientMessageBytes: a smaller limit would close every busy tunnel.
        if (options.MaxMessageBytes < Shared.Ssh.SshTunnelProtocol.ClientMessageBytes || options.MaxMessageBytes > 16 * 1024 * 1024)
        {
            failures.Add($"{SshOptions.SectionName}:MaxMessageBytes must be from {Shared.Ssh.SshTunnelProtocol.ClientMessageBytes} to 16777216 (it is {options.MaxMessageBytes}).");
        }

        if (options.KeepAliveInterval <= TimeSpan.Zero)
        {
            failures.Add($"{SshOptions.SectionName}:KeepAliveInterval must be positive, e.g. 00:00:15.");
        }

        if (options.KeepAliveTimeout <= options.KeepAliveInterval)
        {
            failures.Add($"{SshOptions.SectionName}:KeepAliveTimeout must be longer than KeepAliveInterval, e.g. 00:00:45.");
        }

        if (options.CertificateLifetime < TimeSpan.FromMinutes(1) || options.CertificateLifetime > TimeSpan.FromDays(1))
        {
            failures.Add($"{SshOptions.SectionName}:CertificateLifetime must be from 00:01:00 to 1.00:00:00 (it is {options.CertificateLifetime}), e.g. 00:05:00.");
        }

        if (options.AgentConnectTimeout <= TimeSpan.Zero)
        {
            failures.Add($"{SshOptions.SectionName}:AgentConnectTimeout must be positive, e.g. 00:00:10.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
