using Workspaces.Shared.Configuration;
using Workspaces.WorkspaceAgent.Tasks;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Tasks;

public sealed class TaskEnvironmentTests
{
    [Fact]
    public void Build_AgentEnvironment_KeepsOrdinaryVariablesDropsSecretsAndAgentSettings()
    {
        var bootstrap = TestBootstraps.Create("/ws", "https://h/o/r", credential: new("u", "git-token-value"));
        var agentEnvironment = new Dictionary<string, string>
        {
            ["PATH"] = "/usr/bin",
            ["HOME"] = "/root",
            ["GITHUB_TOKEN"] = "x",
            ["DB_PASSWORD"] = "x",
            ["ConnectionStrings__Default"] = "Host=db;Password=x",
            ["ASPNETCORE_URLS"] = "http://127.0.0.1:0",
            ["INNOCENT_NAME"] = "git-token-value",
            ["ALSO_INNOCENT"] = TestBootstraps.Secret,
        };

        var environment = TaskEnvironment.Build(agentEnvironment, WorkspaceConfig.Empty, TestConfigs.Task(command: "x"), bootstrap);

        Assert.Equal(["HOME", "PATH"], environment.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Build_UserVariablesNamedLikeSecrets_Kept()
    {
        var bootstrap = TestBootstraps.Create("/ws", "https://h/o/r", environment: new Dictionary<string, string> { ["NPM_TOKEN"] = "user-wants-this" });

        var environment = TaskEnvironment.Build(new Dictionary<string, string>(), WorkspaceConfig.Empty, TestConfigs.Task(command: "x"), bootstrap);

        Assert.Equal("user-wants-this", environment["NPM_TOKEN"]);
    }
}
