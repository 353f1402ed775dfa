using Workspaces.Shared.Agent;
using Workspaces.Shared.SourceControl;

namespace Workspaces.WorkspaceController.Runtime;

/// <summary>
/// Implemented by runtimes that show what the agent reports in their own view (the Kubernetes runtime: the Workspace's
/// status, for <c>kubectl</c>). The web app, which watches the agents, calls it from one replica at a time.
/// </summary>
public interface IAgentReports
{
    /// <summary>Records the ports the agent listens on and the state of its checkout (null: not known yet).</summary>
    Task ReportAsync(string workspaceId, IReadOnlyList<WorkspacePort> ports, GitSummary? git, CancellationToken cancellationToken);
}
