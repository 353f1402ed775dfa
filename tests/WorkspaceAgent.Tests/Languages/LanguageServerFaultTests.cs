using System.Text.Json.Nodes;
using Workspaces.Shared.Languages;
using Workspaces.TestSupport.Waiting;

namespace Workspaces.WorkspaceAgent.Tests.Languages;

/// <summary>The editor stays usable against servers that hang, flood, send garbage, crash in a loop or are missing.</summary>
public sealed class LanguageServerFaultTests(FakeLanguagesAgentFixture fixture) : IClassFixture<FakeLanguagesAgentFixture>
{
    [Fact]
    public async Task Request_ServerNeverAnswers_IsCancelledAfterTheTimeoutWithAMessage()
    {
        var (client, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "fake-hang");
        await using var _ = client;

        var error = await Assert.ThrowsAsync<LspErrorException>(() => client.RequestAsync("textDocument/hover", Position("hang.txt"), TimeSpan.FromSeconds(20)));

        Assert.Equal(-32800, error.Code);
        Assert.Contains("did not answer textDocument/hover within 1.5 s", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_AnnouncesAMessageAboveTheLimit_IsStoppedAndRestarted()
    {
        var (client, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "fake-oversized");
        await using var _ = client;

        var crashed = await client.WaitForStatusAsync(LanguageServerState.Crashed);

        Assert.Contains("a message of 67,108,864 bytes, above the limit of 1,048,576", (string?)crashed["params"]!["message"], StringComparison.Ordinal);
        await Poll.UntilAsync(() => client.Received.Count(m => LspTestClient.IsStatus(m, LanguageServerState.Ready)) >= 2, LspTestClient.Patience, "a restart");
    }

    [Fact]
    public async Task Server_WritesGarbage_IsStoppedWithWhatItSent()
    {
        var (client, _) = await LspTestClient.InitializedAsync(fixture.AgentAddress, "fake-garbage");
        await using var _ = client;

        var crashed = await client.WaitForStatusAsync(LanguageServerState.Crashed);

        Assert.Contains("this is not the language server protocol", (string?)crashed["params"]!["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_CrashesInALoop_IsRestartedWithBackOffThenLeftStoppedWithOneMessage()
    {
        var client = await LspTestClient.ConnectAsync(fixture.AgentAddress, "fake-crash");
        await using var _ = client;

        var answer = await client.RespondedAsync("initialize", new JsonObject { ["capabilities"] = new JsonObject() });

        var message = (string?)answer["error"]!["message"];
        Assert.True(message!.Contains("crashed 3 times within 5 min (it exited with code 3), so it is not restarted", StringComparison.Ordinal), message);
        Assert.Contains("fake: crashing on purpose", (string?)answer["error"]!["message"], StringComparison.Ordinal);
        var restarts = client.Received.Where(m => LspTestClient.IsStatus(m, LanguageServerState.Crashed)).Select(m => (string?)m["params"]!["message"]).ToList();
        Assert.Equal(3, restarts.Count);
        Assert.Contains("Restarting in 0.2 s", restarts[0], StringComparison.Ordinal);
        Assert.Contains("Restarting in 0.4 s", restarts[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Server_NotInstalled_SaysWhatToInstallOnceAndNeverRetries()
    {
        var client = await LspTestClient.ConnectAsync(fixture.AgentAddress, "fake-missing");
        await using var _ = client;

        var answer = await client.RespondedAsync("initialize", new JsonObject { ["capabilities"] = new JsonObject() });
        var hover = await client.RespondedAsync("textDocument/hover", Position("missing.txt"));

        var message = (string?)answer["error"]!["message"];
        Assert.Contains("\"no-such-language-server\" is not on the workspace's PATH", message, StringComparison.Ordinal);
        Assert.Contains("apt-get install no-such-language-server", message, StringComparison.Ordinal);
        Assert.Equal(message, (string?)hover["error"]!["message"]);
        Assert.Single(client.Received, m => LspTestClient.IsStatus(m, LanguageServerState.Missing));
    }

    [Fact]
    public async Task Connect_LanguageWithoutServer_SaysNoneIsConfigured()
    {
        var client = await LspTestClient.ConnectAsync(fixture.AgentAddress, "cobol");
        await using var _ = client;

        var status = await client.WaitForStatusAsync(LanguageServerState.NotConfigured);

        Assert.Contains("No language server is configured for cobol", (string?)status["params"]!["message"], StringComparison.Ordinal);
    }

    private JsonObject Position(string file) => new()
    {
        ["textDocument"] = new JsonObject { ["uri"] = fixture.UriOf(file) },
        ["position"] = new JsonObject { ["line"] = 0, ["character"] = 0 },
    };
}
