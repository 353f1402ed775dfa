using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Terminals;
using Workspaces.TestSupport.Git;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Hosting;

/// <summary>
/// At the levels the app ships with (src/Web/appsettings.json), serving traffic writes nothing per request: a busy
/// preview or terminal must not fill the disk with log lines.
/// </summary>
public sealed class QuietLoggingTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly GitRepositoryFixture _repositories = new();
    private Dictionary<string, LogLevel> _shippedLevels = null!;
    private TestApp _app = null!;

    public async Task InitializeAsync()
    {
        // The shipped levels replace the tests' quieter ones; capture everything and judge each line by them below.
        _shippedLevels = ShippedLevels();
        var settings = _shippedLevels.ToDictionary(l => $"Logging:LogLevel:{l.Key}", l => (string?)l.Value.ToString());
        settings["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = Level("Microsoft.EntityFrameworkCore.Database.Command").ToString();
        settings[LogCapture.SettingKey] = "true";
        _app = await TestApp.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        _repositories.Dispose();
    }

    [Fact]
    public async Task ProxiedRequestsAndTerminalTraffic_DefaultLevels_WriteNoLinePerRequest()
    {
        using var owner = await _app.CreateAdministratorAsync();
        var (id, port) = await PreviewWorkspace.StartAsync(owner, _repositories, $"quiet-{Guid.NewGuid():N}", Timeout, readyTimeout: Timeout);
        using (var made = await owner.Http.PutAsJsonAsync($"/api/workspaces/{id}/ports/{port}/visibility", new { visibility = "Public" }))
        {
            Assert.Equal(HttpStatusCode.OK, made.StatusCode);
        }

        await using var connection = Connect(id, owner.Token!);
        await connection.StartAsync();
        var terminal = await connection.InvokeAsync<TerminalInfo>("CreateTerminal", new CreateTerminalRequest("quiet", 100, 30));
        using var cancel = new CancellationTokenSource(Timeout);
        var frames = await connection.StreamAsChannelAsync<TerminalFrame>("Attach", terminal.Id, 0L, cancel.Token);
        var before = _app.Logs!.Lines.Count;

        const int Requests = 100;
        using var preview = new HttpClient(new SocketsHttpHandler { UseProxy = false, ConnectCallback = LoopbackConnectAsync });
        for (var i = 0; i < Requests; i++)
        {
            using var response = await preview.GetAsync(new Uri($"http://{port}-{id}.localhost:{_app.BaseAddress.Port}/headers"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        var output = new StringBuilder();
        for (var i = 0; i < Requests; i++)
        {
            await connection.InvokeAsync("Input", terminal.Id, Encoding.UTF8.GetBytes($"echo line-{i}-$((1+1))\n"), cancel.Token);
        }

        while (!output.ToString().Contains($"line-{Requests - 1}-2", StringComparison.Ordinal))
        {
            var frame = await frames.ReadAsync(cancel.Token);
            if (frame.Kind == TerminalFrameKind.Output)
            {
                output.Append(Encoding.UTF8.GetString(frame.Data));
            }
        }

        var written = _app.Logs.Lines.Skip(before).Where(Emitted).ToList();
        Assert.True(written.Count < 5, $"{written.Count} lines at the shipped levels during {Requests} proxied requests and {Requests} terminal commands:\n{string.Join('\n', written.Take(20))}");
    }

    /// <summary>Whether the shipped configuration would write a captured line ("{Level} {Category}: …").</summary>
    private bool Emitted(string line)
    {
        var space = line.IndexOf(' ', StringComparison.Ordinal);
        var colon = line.IndexOf(": ", space, StringComparison.Ordinal);
        var level = Enum.Parse<LogLevel>(line[..space]);
        return level >= Level(line[(space + 1)..colon]);
    }

    /// <summary>The most specific rule for a category, as the logging filter picks it.</summary>
    private LogLevel Level(string category) =>
        _shippedLevels.Where(l => l.Key == "Default" || category == l.Key || category.StartsWith(l.Key + ".", StringComparison.Ordinal))
            .OrderByDescending(l => l.Key == "Default" ? 0 : l.Key.Length)
            .First().Value;

    private static Dictionary<string, LogLevel> ShippedLevels()
    {
        // The web app's appsettings.json, copied next to the tests with the app.
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "appsettings.json")));
        return document.RootElement.GetProperty("Logging").GetProperty("LogLevel").EnumerateObject()
            .ToDictionary(p => p.Name, p => Enum.Parse<LogLevel>(p.Value.GetString()!), StringComparer.Ordinal);
    }

    private static async ValueTask<Stream> LoopbackConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
        return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
    }

    private HubConnection Connect(string workspaceId, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(_app.BaseAddress, $"workspaces/{workspaceId}/agent{TerminalsHubContract.Path}"), options =>
            {
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
                options.Headers["Authorization"] = "Bearer " + token;
            })
            .AddMessagePackProtocol()
            .Build();
}
