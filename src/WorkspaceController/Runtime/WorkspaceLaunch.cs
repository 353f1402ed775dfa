using Workspaces.Shared.Agent;
using Workspaces.Shared.Languages;

namespace Workspaces.WorkspaceController.Runtime;

/// <summary>What a runtime needs to start a workspace's agent.</summary>
public sealed record WorkspaceLaunch(
    string WorkspaceId,
    string RepositoryUrl,
    string? Ref,
    string CheckoutDirectoryName,
    string AgentSecret,
    GitCredential? GitCredential,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<WorkspaceFile>? Files = null,
    string? DotfilesRepository = null,
    EditorLimits? Editor = null)
{
    /// <summary>The owning user's id (recorded on the Kubernetes Workspace resource).</summary>
    public string? OwnerId { get; init; }

    /// <summary>The administrator's language server settings, for the agent's bootstrap.</summary>
    public LanguageSettings? Languages { get; init; }

    /// <summary>The toolchain image a project asks for; null for the runtime's default (the local runtime has no images).</summary>
    public string? Image { get; init; }

    /// <summary>The internal Git servers its clones may reach; null for public addresses only.</summary>
    public Shared.Repositories.RepositoryNetwork? RepositoryNetwork { get; init; }

    /// <summary>The workspace class (resources) a project asks for; null for the runtime's default.</summary>
    public string? WorkspaceClass { get; init; }

    /// <summary>Telemetry settings and the start's trace context for the agent; null: none.</summary>
    public AgentTelemetry? Telemetry { get; init; }

    /// <summary>The project's cluster access; null: none (the Kubernetes runtime only).</summary>
    public ClusterAccessLaunch? ClusterAccess { get; init; }

    /// <summary>This start runs a prebuild, or starts from a restored one; null: neither.</summary>
    public Shared.Prebuilds.PrebuildBootstrap? Prebuild { get; init; }

    public override string ToString() => $"WorkspaceLaunch {{ WorkspaceId = {WorkspaceId}, RepositoryUrl = {RepositoryUrl}, Ref = {Ref} }}";
}
