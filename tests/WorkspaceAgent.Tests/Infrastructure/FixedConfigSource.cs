using Workspaces.Shared.Configuration;
using Workspaces.WorkspaceAgent.Configuration;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>A hand-built configuration instead of the repository's files.</summary>
internal sealed class FixedConfigSource(WorkspaceConfig config) : IWorkspaceConfigSource
{
    public WorkspaceConfig Read(string checkoutDirectory) => config;
}

internal static class TestConfigs
{
    public static WorkspaceConfig WithTasks(params WorkspaceTask[] tasks) =>
        WorkspaceConfig.Empty with { Tasks = tasks, Sources = [".gitpod.yml"] };

    public static WorkspaceTask Task(
        string? before = null,
        string? init = null,
        string? command = null,
        IReadOnlyDictionary<string, string>? environment = null,
        string name = "") =>
        new(name, before, init, command, environment ?? new Dictionary<string, string>());
}
