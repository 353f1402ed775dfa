using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Terminals;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Hubs;

/// <summary>A connection the web app marks read-only (a workspace shared read-only) looks but never types.</summary>
public sealed class ReadOnlyConnectionTests(TerminalAgentFixture fixture) : IClassFixture<TerminalAgentFixture>
{
    private static readonly Dictionary<string, string> ReadOnly = new() { [AgentProtocol.AccessHeader] = AgentProtocol.ReadOnlyAccess };

    [Fact]
    public async Task Terminals_ReadOnlyConnection_ListsButMayNotOpenOrTypeInATerminal()
    {
        await using var owner = await TerminalHubClient.ConnectAsync(fixture.Agent.BaseAddress);
        var terminal = await owner.CreateAsync("shared");
        await using var watcher = await AgentHubConnections.ConnectAsync(fixture.Agent.BaseAddress, TerminalsHubContract.Path, ReadOnly);

        var listed = await watcher.InvokeAsync<IReadOnlyList<TerminalInfo>>("ListTerminals");
        var create = await Assert.ThrowsAsync<HubException>(() => watcher.InvokeAsync<TerminalInfo>("CreateTerminal", new CreateTerminalRequest("mine", 80, 24)));
        var input = await Assert.ThrowsAsync<HubException>(() => watcher.InvokeAsync("Input", terminal.Id, "rm -rf /\r"u8.ToArray()));

        Assert.Contains(listed, t => t.Id == terminal.Id);
        Assert.Contains("shared with you read-only", create.Message, StringComparison.Ordinal);
        Assert.Contains("shared with you read-only", input.Message, StringComparison.Ordinal);
        await owner.CloseAsync(terminal.Id);
    }

    [Fact]
    public async Task Terminals_FullConnection_MayOpenATerminal()
    {
        await using var user = await AgentHubConnections.ConnectAsync(fixture.Agent.BaseAddress, TerminalsHubContract.Path);

        var terminal = await user.InvokeAsync<TerminalInfo>("CreateTerminal", new CreateTerminalRequest("mine", 80, 24));

        Assert.Equal("mine", terminal.Name);
        await user.InvokeAsync("Close", terminal.Id);
    }
}
