using Workspaces.Shared.Configuration;

namespace Workspaces.WorkspaceAgent.Configuration;

/// <summary>Where the agent gets the checkout's workspace configuration from (the repository's own files).</summary>
public interface IWorkspaceConfigSource
{
    WorkspaceConfig Read(string checkoutDirectory);
}

/// <summary>Reads <c>.gitpod.yml</c> and devcontainer files from the checkout.</summary>
public sealed class RepositoryConfigSource : IWorkspaceConfigSource
{
    public WorkspaceConfig Read(string checkoutDirectory) => WorkspaceConfigReader.Read(checkoutDirectory);
}
