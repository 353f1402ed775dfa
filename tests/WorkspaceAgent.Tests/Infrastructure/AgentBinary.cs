using Workspaces.WorkspaceAgent.Cloning;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>The built agent, copied next to the tests by CopyAgent.targets.</summary>
internal static class AgentBinary
{
    public static string Directory { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "agent");

    public static string Path { get; } = System.IO.Path.Combine(Directory, "Workspaces.WorkspaceAgent");

    public static CloneWorkerCommand CloneWorker { get; } = CloneWorkerCommand.InDirectory(Directory);
}
