using System.Text.Json.Nodes;
using Workspaces.Shared.Languages;

namespace Workspaces.WorkspaceAgent.Tests.Languages;

/// <summary>A server nobody uses is stopped, and the next use starts it again without the editor noticing.</summary>
public sealed class LanguageServerIdleTests(IdleLanguagesAgentFixture fixture) : IClassFixture<IdleLanguagesAgentFixture>
{
    [Fact]
    public async Task Server_IdleLongerThanTheTimeout_IsStoppedAndStartsAgainOnUse()
    {
        var (ts, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "typescript");
        await using var _ = ts;
        var uri = fixture.UriOf("idle.ts");
        await ts.OpenAsync(uri, "typescript", "const idle = 1;\n");
        await ts.WaitForStatusAsync(LanguageServerState.Ready);

        var stopped = await ts.WaitForAsync(
            m => LspTestClient.IsStatus(m, LanguageServerState.Stopped) && ((string?)m["params"]!["message"])!.Contains("without use", StringComparison.Ordinal),
            "the idle stop", IdleLanguagesAgentFixture.Idle * 10);
        var hover = await ts.RequestAsync("textDocument/hover", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri },
            ["position"] = new JsonObject { ["line"] = 0, ["character"] = 7 },
        });

        Assert.Contains("without use", (string?)stopped["params"]!["message"], StringComparison.Ordinal);
        Assert.Null(stopped["params"]!["memoryBytes"]);
        Assert.Contains("const idle: 1", hover.ToJsonString(), StringComparison.Ordinal);
    }
}
