using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Workspaces.TerminalLatency;

/// <summary>
/// bench/terminal-client under Node: the browser's SignalR client (@microsoft/signalr + MessagePack) for our side, ws for
/// the peers, one process for all sides as one browser page would be. Commands go as JSON lines over stdin, one at a time.
/// </summary>
internal sealed class NodeClient : IAsyncDisposable
{
    private readonly Process _process;
    private readonly SemaphoreSlim _turn = new(1, 1);

    private NodeClient(Process process) => _process = process;

    public int ProcessId => _process.Id;

    public static NodeClient Start(string directory)
    {
        var process = Process.Start(new ProcessStartInfo("node", ["client.js"])
        {
            WorkingDirectory = directory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("node did not start.");
        return new NodeClient(process);
    }

    public Task<ITerminalDriver> ConnectOursAsync(string side, Uri hubUrl, string token, int columns, int rows, CancellationToken cancellationToken) =>
        ConnectAsync(side, new JsonObject { ["op"] = "ours", ["side"] = side, ["url"] = hubUrl.AbsoluteUri, ["token"] = token, ["cols"] = columns, ["rows"] = rows }, cancellationToken);

    public Task<ITerminalDriver> ConnectPeerAsync(string side, Uri webSocketUrl, int columns, int rows, CancellationToken cancellationToken) =>
        ConnectAsync(side, new JsonObject { ["op"] = "peer", ["side"] = side, ["url"] = webSocketUrl.AbsoluteUri.TrimEnd('/'), ["cols"] = columns, ["rows"] = rows }, cancellationToken);

    public async Task<JsonNode> SendAsync(JsonObject command, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken);
        try
        {
            await _process.StandardInput.WriteLineAsync(command.ToJsonString().AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
            var line = await _process.StandardOutput.ReadLineAsync(cancellationToken)
                ?? throw new InvalidOperationException($"The Node client exited (code {(_process.HasExited ? _process.ExitCode.ToString(CultureInfo.InvariantCulture) : "?")}) during {command["op"]}.");
            var reply = JsonNode.Parse(line) ?? throw new InvalidOperationException("The Node client replied null.");
            return reply["error"] is { } error ? throw new InvalidOperationException($"Node client, {command["op"]} on {command["side"]}: {error}") : reply;
        }
        finally
        {
            _turn.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await SendAsync(new JsonObject { ["op"] = "close" }, timeout.Token);
                await _process.WaitForExitAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
        {
            _process.Kill();
        }
        finally
        {
            _process.Dispose();
            _turn.Dispose();
        }
    }

    private async Task<ITerminalDriver> ConnectAsync(string side, JsonObject command, CancellationToken cancellationToken)
    {
        await SendAsync(command, cancellationToken);
        return new NodeTerminalDriver(this, side);
    }

    private sealed class NodeTerminalDriver(NodeClient node, string side) : ITerminalDriver
    {
        public long? Offset => null;

        public Task WaitQuietAsync(TimeSpan quiet, TimeSpan timeout, CancellationToken cancellationToken) =>
            node.SendAsync(new JsonObject { ["op"] = "quiet", ["side"] = side, ["quietMs"] = quiet.TotalMilliseconds, ["timeoutMs"] = timeout.TotalMilliseconds }, cancellationToken);

        public async Task<IReadOnlyList<double>> TypeAsync(int count, CancellationToken cancellationToken)
        {
            var reply = await node.SendAsync(new JsonObject { ["op"] = "type", ["side"] = side, ["count"] = count, ["perLine"] = Harness.CharactersPerLine }, cancellationToken);
            return reply["echoes"]!.Deserialize<double[]>()!;
        }

        public async Task<StreamedOutput> StreamAsync(string command, string marker, CancellationToken cancellationToken)
        {
            var reply = await node.SendAsync(new JsonObject { ["op"] = "stream", ["side"] = side, ["command"] = command, ["marker"] = marker }, cancellationToken);
            return new StreamedOutput(reply["bytes"]!.GetValue<long>(), reply["pieces"]!.GetValue<long>(), TimeSpan.FromMilliseconds(reply["ms"]!.GetValue<double>()));
        }

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
