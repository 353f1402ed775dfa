namespace Workspaces.Web.Workspaces;

/// <summary>A workspace's timing (<c>Workspaces:IdleTimeout</c>, <c>Workspaces:ReconcileInterval</c>).</summary>
public sealed class WorkspacesOptions
{
    public const string SectionName = "Workspaces";

    /// <summary>A running workspace with no activity for this long is stopped; its files are kept.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often every workspace is reconciled even without a change (a safety net; changes act at once).</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(5);
}
