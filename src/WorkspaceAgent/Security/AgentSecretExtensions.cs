using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Security;

public static class AgentSecretExtensions
{
    /// <summary>Paths a probe may call without the secret: they reveal nothing about the workspace.</summary>
    private static readonly string[] AnonymousPaths = [AgentProtocol.HealthPath, "/alive"];

    public static IServiceCollection AddAgentSecret(this IServiceCollection services, string secret) =>
        services.AddSingleton(new AgentSecret(secret));

    /// <summary>Answers 401 to every request without the agent secret, except the health probes.</summary>
    public static IApplicationBuilder UseAgentSecret(this IApplicationBuilder app)
    {
        var secret = app.ApplicationServices.GetRequiredService<AgentSecret>();
        return app.Use((context, next) =>
        {
            if (IsAnonymous(context.Request.Path) || secret.IsPresentedIn(context.Request.Headers.Authorization))
            {
                return next(context);
            }

            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            context.Response.Headers.WWWAuthenticate = AgentProtocol.AuthorizationScheme;
            return Task.CompletedTask;
        });
    }

    private static bool IsAnonymous(PathString path) =>
        AnonymousPaths.Any(anonymous => path.Equals(anonymous, StringComparison.OrdinalIgnoreCase));
}
