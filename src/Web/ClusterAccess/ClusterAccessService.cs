using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.ClusterAccess;
using Workspaces.Shared.Repositories;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Kubernetes.Runtime;
using Workspaces.WorkspaceController.Local.ClusterAccess;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.ClusterAccess;

/// <summary>
/// A project's cluster access: read by its team, changed by its owners, checked here so a namespace pattern that could
/// name a system namespace, or a Role wider than the administrator's ceiling, never reaches the cluster.
/// </summary>
public sealed partial class ClusterAccessService(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    AccessService access,
    AuditLog audit,
    IOptions<ClusterAccessWebOptions> options,
    IOptions<LocalClusterAccessOptions> local,
    IConfiguration configuration,
    TimeProvider timeProvider,
    ILogger<ClusterAccessService> logger)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string ExampleWorkspace = "my-app-k3x9q2mz";

    private bool OnKubernetes => KubernetesRuntimeExtensions.IsKubernetes(configuration);

    /// <summary>
    /// Why this server cannot give workspaces a namespace, or null when it can: on Kubernetes when the administrator enabled
    /// it, on the local runtime when the administrator named a kubeconfig (<see cref="LocalClusterAccessOptions"/>).
    /// </summary>
    public string? Unavailable =>
        !OnKubernetes
            ? local.Value.Configured ? null : "Cluster access needs the Kubernetes runtime or a configured cluster: this server runs workspaces as local processes."
            : !options.Value.Enabled
                ? "An administrator has not enabled cluster access on this server (the chart's clusterAccess.enabled)."
                : null;

    public async Task<Outcome<ClusterAccessView>> GetAsync(string userId, string projectId, CancellationToken cancellationToken)
    {
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (found is null || !found.Can(Permission.ProjectView))
        {
            return Outcome<ClusterAccessView>.NotFound();
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.ProjectClusterAccess.AsNoTracking().FirstOrDefaultAsync(a => a.ProjectId == projectId, cancellationToken);
        return Outcome<ClusterAccessView>.Ok(View(stored, found.Can(Permission.ProjectEdit)));
    }

    public async Task<Outcome<ClusterAccessView>> UpdateAsync(string userId, string projectId, ClusterAccessRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (found is null || !found.Can(Permission.ProjectView))
        {
            return Outcome<ClusterAccessView>.NotFound();
        }

        if (!found.Can(Permission.ProjectEdit))
        {
            return Outcome<ClusterAccessView>.Forbidden("Only the team's owners may change a project's cluster access.");
        }

        var enabled = request.Enabled ?? false;
        if (enabled && Unavailable is { } unavailable)
        {
            return Outcome<ClusterAccessView>.Invalid("enabled", unavailable);
        }

        if (request.ScaleToZeroOnStop == true && !OnKubernetes)
        {
            return Outcome<ClusterAccessView>.Invalid("scaleToZeroOnStop", "Scaling the namespace's Deployments to zero on stop needs the Kubernetes runtime (its controller does it); this server runs workspaces as local processes.");
        }

        var pattern = string.IsNullOrWhiteSpace(request.NamespacePattern) ? ClusterAccessPolicy.DefaultPattern : request.NamespacePattern.Trim();
        if (ClusterAccessPolicy.PatternProblem(pattern, Reserved(), WorkspaceIds.MaxLength) is { } patternProblem)
        {
            return Outcome<ClusterAccessView>.Invalid("namespacePattern", patternProblem);
        }

        if (request.Rules is { } rules && ClusterAccessPolicy.RulesProblem(rules, Ceiling) is { } rulesProblem)
        {
            return Outcome<ClusterAccessView>.Invalid("rules", rulesProblem);
        }

        var rulesJson = request.Rules is null ? null : JsonSerializer.Serialize(request.Rules, Json);
        if (rulesJson?.Length > 32_768)
        {
            return Outcome<ClusterAccessView>.Invalid("rules", "At most 32,768 characters of rules; group resources into fewer rules.");
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.ProjectClusterAccess.FirstOrDefaultAsync(a => a.ProjectId == projectId, cancellationToken);
        if (stored is null)
        {
            stored = new ProjectClusterAccess { ProjectId = projectId, NamespacePattern = pattern };
            db.ProjectClusterAccess.Add(stored);
        }

        stored.Enabled = enabled;
        stored.NamespacePattern = pattern;
        stored.RulesJson = rulesJson;
        stored.ScaleToZeroOnStop = request.ScaleToZeroOnStop ?? false;
        stored.UpdatedAt = timeProvider.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        var what = enabled ? $"on: {pattern}, {(rulesJson is null ? "the default Role" : $"{request.Rules!.Count} rules")}{(stored.ScaleToZeroOnStop ? ", Deployments scaled to zero on stop" : "")}" : "off";
        await audit.RecordAsync(userId, AuditActions.ClusterAccessChanged, AuditTargets.Project, projectId, what, cancellationToken);
        LogChanged(projectId, enabled);
        return Outcome<ClusterAccessView>.Ok(View(stored, true));
    }

    /// <summary>What a workspace of this project gets at its start; null: no cluster access (today's isolation).</summary>
    public async Task<ClusterAccessLaunch?> ForLaunchAsync(string? projectId, string workspaceId, CancellationToken cancellationToken)
    {
        if (projectId is null || Unavailable is not null)
        {
            return null;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.ProjectClusterAccess.AsNoTracking().FirstOrDefaultAsync(a => a.ProjectId == projectId && a.Enabled, cancellationToken);
        return stored is null ? null : new ClusterAccessLaunch(ClusterAccessPolicy.Resolve(stored.NamespacePattern, workspaceId), Rules(stored), stored.ScaleToZeroOnStop);
    }

    private ClusterAccessView View(ProjectClusterAccess? stored, bool canEdit)
    {
        var pattern = stored?.NamespacePattern ?? ClusterAccessPolicy.DefaultPattern;
        return new ClusterAccessView(
            Unavailable is null, Unavailable, stored?.Enabled ?? false, pattern, stored is null ? null : Rules(stored), Ceiling,
            ClusterAccessPolicy.Resolve(pattern, ExampleWorkspace), canEdit, stored?.ScaleToZeroOnStop ?? false, OnKubernetes);
    }

    private static List<ClusterAccessRule>? Rules(ProjectClusterAccess stored) =>
        stored.RulesJson is null ? null : JsonSerializer.Deserialize<List<ClusterAccessRule>>(stored.RulesJson, Json);

    /// <summary>The administrator's ceiling for this server's runtime: the chart's on Kubernetes, the local cluster's otherwise.</summary>
    private IReadOnlyList<ClusterAccessRule> Ceiling => OnKubernetes ? options.Value.EffectiveCeiling : local.Value.EffectiveCeiling;

    private IEnumerable<string> Reserved()
    {
        if (!OnKubernetes)
        {
            return local.Value.ReservedNamespaces;
        }

        var runtimeNamespace = configuration[$"{KubernetesRuntimeOptions.SectionName}:Namespace"];
        return string.IsNullOrEmpty(runtimeNamespace) ? options.Value.ReservedNamespaces : options.Value.ReservedNamespaces.Append(runtimeNamespace);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Project {ProjectId}: cluster access changed (enabled: {Enabled})")]
    private partial void LogChanged(string projectId, bool enabled);
}
