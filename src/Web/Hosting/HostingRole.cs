namespace Workspaces.Web.Hosting;

/// <summary>
/// <c>Workspaces:Hosting:Role</c>: <c>All</c> (the default: the IDE, the API, the reconciler and the preview proxy in one
/// process) or <c>PreviewProxy</c>, the same code serving preview origins only, so previews scale out on their own
/// Deployment and a busy preview never competes with IDE pages and terminals. A preview proxy runs no reconciler and
/// answers nothing but preview origins, <c>/health</c>, <c>/alive</c> and <c>/metrics</c>.
/// </summary>
public static class HostingRole
{
    public const string SettingKey = "Workspaces:Hosting:Role";

    public static bool IsPreviewProxy(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration[SettingKey] switch
        {
            null or "" => false,
            var role when role.Equals("All", StringComparison.OrdinalIgnoreCase) => false,
            var role when role.Equals("PreviewProxy", StringComparison.OrdinalIgnoreCase) => true,
            var role => throw new InvalidOperationException($"{SettingKey} must be All or PreviewProxy (got '{role}')."),
        };
    }
}
