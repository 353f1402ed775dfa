using Microsoft.Extensions.Options;
using Workspaces.Shared.Ssh;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Ssh;

public static class SshExtensions
{
    public static WebApplicationBuilder AddSsh(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SshOptions>().Bind(builder.Configuration.GetSection(SshOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SshOptions>, SshOptionsValidator>();
        services.AddSingleton<AgentSshConnector>();
        services.AddSingleton<SshTunnel>();
        return builder;
    }

    /// <summary>WebSocket handshakes for the tunnel only: the other WebSockets (hubs, previews) are forwarded as upgrades.</summary>
    public static IApplicationBuilder UseSshTunnelWebSockets(this IApplicationBuilder app) =>
        app.UseWhen(context => IsTunnelPath(context.Request.Path), branch => branch.UseWebSockets());

    private static bool IsTunnelPath(PathString path) =>
        path.Value is { } value && value.EndsWith("/ssh/tunnel", StringComparison.Ordinal) && value.StartsWith("/api/workspaces/", StringComparison.Ordinal);

    /// <summary>
    /// <c>GET /api/workspaces/{id}/ssh</c> (who to log in as, the host key), <c>POST …/ssh/certificate</c> (a short-lived
    /// user certificate) and <c>…/ssh/tunnel</c> (the WebSocket).
    /// </summary>
    public static IEndpointRouteBuilder MapSsh(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/workspaces/{workspaceId}/ssh").RequireAuthorization().WithTags("SSH");
        group.MapGet("/", (HttpContext context, string workspaceId, SshTunnel tunnel) => tunnel.HandleInfoAsync(context, workspaceId))
            .WithSummary("The user and host key to connect with over SSH (the workspace must run).");
        group.MapPost("/certificate", (HttpContext context, string workspaceId, SshCertificateRequest? request, SshTunnel tunnel) => tunnel.HandleCertificateAsync(context, workspaceId, request))
            .WithSummary("A short-lived OpenSSH user certificate for your public key, accepted by the workspace's sshd (the workspace must run).");
        group.Map("/tunnel", (HttpContext context, string workspaceId, SshTunnel tunnel) => tunnel.HandleAsync(context, workspaceId))
            .DisableAntiforgery()
            .ExcludeFromDescription()
            .StaysOnSocketThread();
        return app;
    }
}
