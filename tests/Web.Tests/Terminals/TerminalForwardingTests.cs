using System.Net;
using System.Net.WebSockets;
using System.Text;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Terminals;
using Workspaces.TestSupport.Git;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Terminals;

/// <summary>The browser's way to a workspace's terminals goes through the web app, for the workspace's owner only.</summary>
public sealed class TerminalForwardingTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task Owner_ThroughTheWebApp_TypesIntoARealShellAndReadsItsOutput()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        await using var connection = Connect(id, alice.Token);
        await connection.StartAsync();

        var (terminal, _) = await TypeInNewTerminalAsync(connection, "checks", "echo through-$((40+2))", output => output.Contains("through-42", StringComparison.Ordinal));

        var listed = await connection.InvokeAsync<TerminalInfo[]>("ListTerminals");
        Assert.Contains(listed, t => t.Id == terminal.Id && t.Name == "checks");
    }

    [Fact]
    public async Task Owner_ShellInTheWorkspace_DoesNotInheritTheWebAppsInlineSocketSetting()
    {
        // The web app runs its socket completions inline; a .NET program the user starts in a terminal must not.
        const string variable = global::Workspaces.Web.Hosting.InlineIo.RuntimeVariable;
        Assert.Equal("1", Environment.GetEnvironmentVariable(variable));
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        await using var connection = Connect(id, alice.Token);
        await connection.StartAsync();

        var (_, output) = await TypeInNewTerminalAsync(
            connection, "env", $"echo \"inline=[${{{variable}:-unset}}]\"", text => text.Contains("inline=[unset]", StringComparison.Ordinal) || text.Contains("inline=[1]", StringComparison.Ordinal));

        Assert.Contains("inline=[unset]", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtherUserOrAnonymous_HubConnection_IsRefusedAndSeesNothing()
    {
        using var alice = await fixture.App.CreateUserAsync();
        using var bob = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);

        Assert.Equal(HttpStatusCode.NotFound, await UpgradeStatusAsync(id, bob.Token));
        Assert.Equal(HttpStatusCode.Unauthorized, await UpgradeStatusAsync(id, token: null));
        await using var asBob = Connect(id, bob.Token);
        await Assert.ThrowsAnyAsync<Exception>(() => asBob.StartAsync());

        // The owner's own request from a page on another origin (a preview, another site) is refused too.
        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeStatusAsync(id, alice.Token, origin: "http://3000-" + id + ".localhost"));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeStatusAsync(id, alice.Token));
    }

    [Fact]
    public async Task Owner_AgentPathsOtherThanTerminals_AreNotReachableFromTheBrowser()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);

        foreach (var path in new[] { "api/status", "api/tasks/0/log", "health", "hubs/terminals/../../api/status" })
        {
            using var response = await alice.Http.GetAsync(new Uri(fixture.App.BaseAddress, $"workspaces/{id}/agent/{path}"));
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path}: {(int)response.StatusCode}");
        }
    }

    /// <summary>Opens a terminal, types <paramref name="command"/> and reads its output until <paramref name="done"/> says so.</summary>
    private static async Task<(TerminalInfo Terminal, string Output)> TypeInNewTerminalAsync(HubConnection connection, string name, string command, Func<string, bool> done)
    {
        var terminal = await connection.InvokeAsync<TerminalInfo>("CreateTerminal", new CreateTerminalRequest(name, 100, 30));
        using var cancel = new CancellationTokenSource(Timeout);
        var frames = await connection.StreamAsChannelAsync<TerminalFrame>("Attach", terminal.Id, 0L, cancel.Token);
        await connection.InvokeAsync("Input", terminal.Id, Encoding.UTF8.GetBytes(command + "\n"));

        var output = new StringBuilder();
        while (!done(output.ToString()))
        {
            var frame = await frames.ReadAsync(cancel.Token);
            if (frame.Kind == TerminalFrameKind.Output)
            {
                output.Append(Encoding.UTF8.GetString(frame.Data));
            }
        }

        return (terminal, output.ToString());
    }

    private async Task<string> ReadyWorkspaceAsync(ApiClient owner)
    {
        var repository = await _repositories.CreateAsync($"terminals-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var id = (await owner.CreateWorkspaceAsync(repository.FileUrl)).Id;
        await owner.WaitUntilReadyAsync(id);
        return id;
    }

    private HubConnection Connect(string workspaceId, string? token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.App.BaseAddress, $"workspaces/{workspaceId}/agent{TerminalsHubContract.Path}"), options =>
            {
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
                if (token is not null)
                {
                    options.Headers["Authorization"] = "Bearer " + token;
                }
            })
            .AddMessagePackProtocol()
            .Build();

    private async Task<HttpStatusCode> UpgradeStatusAsync(string workspaceId, string? token, string? origin = null)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null)
        {
            socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        }

        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        var uri = new UriBuilder(new Uri(fixture.App.BaseAddress, $"workspaces/{workspaceId}/agent{TerminalsHubContract.Path}")) { Scheme = "ws" }.Uri;
        try
        {
            using var cancel = new CancellationTokenSource(Timeout);
            await socket.ConnectAsync(uri, cancel.Token);
            await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "", cancel.Token);
        }
        catch (WebSocketException)
        {
            // The status says why.
        }

        return socket.HttpStatusCode;
    }
}
