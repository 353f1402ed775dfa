using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.SignalR.Client;
using Workspaces.Shared.Languages;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Languages;

/// <summary>An editor's language connection as the browser makes it: the language hub, one stream per language.</summary>
internal sealed class LspTestClient : IAsyncDisposable
{
    /// <summary>A real server's start on a loaded machine (eight builds on two cores) has taken more than a minute.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(180);

    private readonly HubConnection _hub;
    private readonly string _language;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;
    private int _nextId;

    private LspTestClient(HubConnection hub, string language, ChannelReaderOfStrings stream)
    {
        _hub = hub;
        _language = language;
        _reading = ReadAsync(stream);
    }

    public ConcurrentQueue<JsonObject> Received { get; } = new();

    public string? StreamError { get; private set; }

    public bool StreamEnded { get; private set; }

    public HubConnection Hub => _hub;

    public static async Task<LspTestClient> ConnectAsync(Uri agent, string language, IReadOnlyDictionary<string, string>? headers = null)
    {
        var hub = await AgentHubConnections.ConnectAsync(agent, LanguagesHubContract.Path, headers);
        var stream = await hub.StreamAsChannelAsync<string>("Connect", language);
        return new LspTestClient(hub, language, new ChannelReaderOfStrings(stream));
    }

    /// <summary>Connects and initializes as monaco's client would, with the root the agent sets anyway.</summary>
    public static async Task<(LspTestClient Client, JsonObject Result)> InitializedAsync(Uri agent, string language, IReadOnlyDictionary<string, string>? headers = null)
    {
        var client = await ConnectAsync(agent, language, headers);
        var result = await client.RequestAsync("initialize", new JsonObject
        {
            ["processId"] = null,
            ["rootUri"] = null,
            ["capabilities"] = new JsonObject
            {
                ["textDocument"] = new JsonObject
                {
                    ["publishDiagnostics"] = new JsonObject { ["relatedInformation"] = true },
                    ["completion"] = new JsonObject { ["completionItem"] = new JsonObject { ["snippetSupport"] = false } },
                    ["hover"] = new JsonObject { ["contentFormat"] = new JsonArray("markdown", "plaintext") },
                },
            },
        });
        await client.NotifyAsync("initialized", new JsonObject());
        return (client, result);
    }

    public Task NotifyAsync(string method, JsonNode? parameters) =>
        _hub.InvokeAsync("Deliver", _language, new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters }.ToJsonString());

    public Task OpenAsync(string uri, string languageId, string text) =>
        NotifyAsync("textDocument/didOpen", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = languageId, ["version"] = 1, ["text"] = text } });

    /// <summary>Sends a request and returns its result; a JSON-RPC error becomes an exception with its message.</summary>
    public async Task<JsonObject> RequestAsync(string method, JsonNode? parameters, TimeSpan? timeout = null)
    {
        var response = await RespondedAsync(method, parameters, timeout);
        if (response["error"] is { } error)
        {
            throw new LspErrorException((string?)error["message"] ?? "error", (int?)error["code"] ?? 0);
        }

        return response["result"] is JsonObject result ? result : new JsonObject { ["value"] = response["result"]?.DeepClone() };
    }

    public async Task<JsonObject> RespondedAsync(string method, JsonNode? parameters, TimeSpan? timeout = null)
    {
        var id = Interlocked.Increment(ref _nextId);
        await _hub.InvokeAsync("Deliver", _language, new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters }.ToJsonString());
        return await WaitForAsync(m => m["method"] is null && (int?)m["id"] == id, $"the answer to {method}", timeout);
    }

    public async Task<JsonObject> WaitForAsync(Func<JsonObject, bool> match, string what, TimeSpan? timeout = null)
    {
        JsonObject? found = null;
        try
        {
            await Poll.UntilAsync(() => (found = Received.FirstOrDefault(match)) is not null || StreamEnded, timeout ?? Patience, what);
        }
        catch (TimeoutException ex)
        {
            var seen = string.Join("\n", Received.Select(m => m.ToJsonString()[..Math.Min(300, m.ToJsonString().Length)]));
            throw new TimeoutException($"{ex.Message} Received:\n{seen}", ex);
        }

        return found ?? throw new InvalidOperationException($"The stream ended before {what}: {StreamError}");
    }

    public Task<JsonObject> WaitForStatusAsync(LanguageServerState state, TimeSpan? timeout = null) =>
        WaitForAsync(m => IsStatus(m, state), $"status {state}", timeout);

    public static bool IsStatus(JsonObject message, LanguageServerState state) =>
        (string?)message["method"] == LanguagesHubContract.StatusMethod && (string?)message["params"]?["state"] == state.ToString();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _hub.DisposeAsync();
        await _reading.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private async Task ReadAsync(ChannelReaderOfStrings stream)
    {
        try
        {
            await foreach (var text in stream.Reader.ReadAllAsync(_stop.Token))
            {
                if (JsonNode.Parse(text) is JsonObject message)
                {
                    Received.Enqueue(message);
                }
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            StreamError = ex.Message;
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            StreamEnded = true;
        }
    }

    private sealed record ChannelReaderOfStrings(System.Threading.Channels.ChannelReader<string> Reader);
}

internal sealed class LspErrorException(string message, int code) : Exception(message)
{
    public int Code { get; } = code;
}
