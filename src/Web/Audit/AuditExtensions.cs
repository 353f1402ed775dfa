using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Workspaces.Web.Audit;

public static class AuditExtensions
{
    /// <summary>The audit log every capability writes to, and its search (the administrator's audit page and API).</summary>
    public static IServiceCollection AddAudit(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.TryAddSingleton<AuditLog>();
        services.TryAddSingleton<AuditSearch>();
        return services;
    }
}
