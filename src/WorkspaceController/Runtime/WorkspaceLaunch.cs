using Workspaces.Shared.Agent;

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
    EditorLimits? Editor = null)
{
    public override string ToString() => $"WorkspaceLaunch {{ WorkspaceId = {WorkspaceId}, RepositoryUrl = {RepositoryUrl}, Ref = {Ref} }}";
}
