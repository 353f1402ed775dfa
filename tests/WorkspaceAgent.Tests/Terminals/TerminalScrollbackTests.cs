using System.Net;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Terminals;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Terminals;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Terminals;

/// <summary>An agent with a small scrollback and flow-control window.</summary>
public sealed class SmallScrollbackAgentFixture : TerminalAgentFixture
{
    public const int Scrollback = 192 * 1024;

    protected override void ConfigureServices(IServiceCollection services) =>
        services.AddSingleton(new TerminalOptions { ScrollbackBytes = Scrollback, HighWatermarkBytes = 64 * 1024 });
}

/// <summary>Output that fell out of the scrollback, and who may reach the hub at all.</summary>
public sealed class TerminalScrollbackTests(SmallScrollbackAgentFixture fixture) : IClassFixture<SmallScrollbackAgentFixture>
{
    private const int Scrollback = SmallScrollbackAgentFixture.Scrollback;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private AgentTestHost Agent => fixture.Agent;

    [Fact]
    public async Task Attach_OffsetNoLongerInTheScrollback_GapFrameThenTheRest()
    {
        await using var client = await TerminalHubClient.ConnectAsync(Agent.BaseAddress);
        var terminal = await client.CreateAsync();
        var flag = Path.Combine(Agent.Layout.CheckoutDirectory, "printed.flag");

        // ~500 KB while nobody is attached: the terminal keeps running and the scrollback drops the oldest output.
        await client.TypeAsync(terminal.Id, "seq 1 80000; touch printed.flag\r");
        await Poll.UntilAsync(() => File.Exists(flag), Timeout, "the output to be printed");
        await using var output = client.Attach(terminal.Id, 0);
        await output.WaitForTextAsync("80000\r\n", Timeout);

        var gap = output.Frames[0];
        Assert.Equal(TerminalFrameKind.Gap, gap.Kind);
        Assert.InRange(gap.Offset, 300 * 1024, long.MaxValue);
        Assert.Equal(gap.Offset, output.Frames[1].Offset);
        Assert.Null(output.Discontinuity);
        Assert.InRange(output.Bytes.Length, Scrollback - (32 * 1024), Scrollback + 4096);
        Assert.DoesNotContain("\n100\r\n", output.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Hub_WithoutTheAgentSecret_Refused()
    {
        await using var anonymous = TerminalHubClient.Build(Agent.BaseAddress, secret: null);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => anonymous.StartAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Hub_WithAWrongSecret_Refused()
    {
        await using var impostor = TerminalHubClient.Build(Agent.BaseAddress, secret: "not-the-agent-secret");

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => impostor.StartAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Hub_WebSocketWithoutNegotiateOrSecret_Refused()
    {
        using var socket = new System.Net.WebSockets.ClientWebSocket();
        var url = new UriBuilder(new Uri(Agent.BaseAddress, TerminalsHubContract.Path)) { Scheme = "ws" }.Uri;

        await Assert.ThrowsAnyAsync<System.Net.WebSockets.WebSocketException>(() => socket.ConnectAsync(url, CancellationToken.None));

        Assert.NotEqual(System.Net.WebSockets.WebSocketState.Open, socket.State);
    }

    [Fact]
    public async Task Hub_UnknownTerminal_TellsTheClient()
    {
        await using var client = await TerminalHubClient.ConnectAsync(Agent.BaseAddress);

        var error = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.TypeAsync("t-nope", "x"));

        Assert.Contains("no terminal t-nope", error.Message, StringComparison.Ordinal);
    }
}
