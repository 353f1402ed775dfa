using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workspaces.Shared.Languages;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>
/// One language server of the workspace, shared by every editor connection: it starts on the first <c>initialize</c>,
/// answers later clients' <c>initialize</c> from the first result, maps request ids per client, shares one copy of each
/// open document (replayed to a restarted server), fans notifications out, and answers the server's own requests.
/// Crashes restart it with back-off; idleness stops it; the next use starts it again, invisibly to the clients.
/// </summary>
internal sealed partial class LanguageServerHost(
    LanguageServerDefinition definition,
    LanguageServerLaunch launch,
    LanguagesOptions options,
    TimeProvider time,
    ILogger logger) : IAsyncDisposable
{
    private const int MaxQueuedRequests = 256;
    private static readonly TimeSpan MemoryInterval = TimeSpan.FromSeconds(5);

    private readonly Lock _gate = new();
    private readonly List<LanguageClient> _clients = [];
    private readonly Dictionary<long, Pending> _pending = [];
    private readonly Dictionary<string, (LanguageClient Client, JsonNode ServerId)> _serverRequests = new(StringComparer.Ordinal);
    private readonly Dictionary<string, OpenDocument> _documents = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JsonObject> _diagnostics = new(StringComparer.Ordinal);
    private readonly List<(LanguageClient Client, JsonNode? Id)> _initializeWaiters = [];
    private readonly List<(LanguageClient Client, JsonObject Message)> _queued = [];
    private readonly Queue<DateTimeOffset> _crashes = new();

    private LanguageServerState _state = LanguageServerState.Stopped;
    private string _message = "Not started yet.";
    private LanguageServerProcess? _server;
    private int _generation;
    private bool _stopping;
    private bool _gaveUp;
    private JsonObject? _initializeParams;
    private JsonNode? _initializeResult;
    private long _nextId;
    private long _nextServerRequest;
    private LanguageClient? _lastEditor;
    private DateTimeOffset _lastUsed = time.GetUtcNow();
    private DateTimeOffset _memoryReadAt;
    private long? _memory;

    public LanguageServerDefinition Definition => definition;

    public LanguageServerStatus Status()
    {
        lock (_gate)
        {
            return StatusLocked();
        }
    }

    public void Attach(LanguageClient client)
    {
        lock (_gate)
        {
            _clients.Add(client);
            client.Post(StatusNotification());
            foreach (var diagnostics in _diagnostics.Values)
            {
                client.Post(diagnostics);
            }
        }
    }

    public void Detach(LanguageClient client)
    {
        lock (_gate)
        {
            _clients.Remove(client);
            foreach (var uri in client.Documents.ToArray())
            {
                CloseDocumentLocked(client, uri);
            }

            foreach (var (id, pending) in _pending.Where(p => p.Value.Client == client).ToArray())
            {
                _pending.Remove(id);
                _server?.Send(JsonRpc.Notification("$/cancelRequest", new JsonObject { ["id"] = id }));
            }

            _initializeWaiters.RemoveAll(w => w.Client == client);
            _queued.RemoveAll(q => q.Client == client);
            if (_lastEditor == client)
            {
                _lastEditor = null;
            }
        }

        client.Close();
    }

    /// <summary>One message from an editor connection.</summary>
    public void Receive(LanguageClient client, JsonObject message)
    {
        var method = JsonRpc.Method(message);
        var id = JsonRpc.Id(message);
        lock (_gate)
        {
            if (method is null)
            {
                ForwardClientResponseLocked(message, id);
                return;
            }

            if (client.ReadOnly && !JsonRpc.Looks(method))
            {
                if (id is not null)
                {
                    client.Post(JsonRpc.Error(id.DeepClone(), JsonRpc.RequestFailed, "This workspace is shared with you read-only: language features that change files are off."));
                }

                return;
            }

            if (id is null)
            {
                NotificationLocked(client, method, message);
            }
            else
            {
                RequestLocked(client, method, id.DeepClone(), message);
            }
        }
    }

    /// <summary>Cancels requests past their time, stops an idle server, reads memory. Called every sweep interval.</summary>
    public void Sweep()
    {
        var now = time.GetUtcNow();
        lock (_gate)
        {
            foreach (var (id, pending) in _pending.Where(p => now - p.Value.Started >= (p.Value.Client is null ? options.StartTimeout : options.RequestTimeout)).ToArray())
            {
                _pending.Remove(id);
                if (pending.Client is null)
                {
                    _server?.Kill($"it did not answer {pending.Method} within {Seconds(options.StartTimeout)}, so it was stopped");
                    continue;
                }

                _server?.Send(JsonRpc.Notification("$/cancelRequest", new JsonObject { ["id"] = id }));
                pending.Client.Post(JsonRpc.Error(pending.ClientId, JsonRpc.RequestCancelled,
                    $"The {definition.Name} language server did not answer {pending.Method} within {Seconds(options.RequestTimeout)}; the request was cancelled."));
            }

            if (_state == LanguageServerState.Ready && _pending.Count == 0 && now - _lastUsed >= options.IdleTimeout)
            {
                LogIdleStop(logger, definition.Name, options.IdleTimeout);
                StopLocked($"Stopped after {Minutes(options.IdleTimeout)} without use; it starts again when the editor needs it.");
            }

            if (_server is { } server && now - _memoryReadAt >= MemoryInterval)
            {
                _memoryReadAt = now;
                var memory = ProcessTreeMemory.ResidentBytes(server.ProcessId);
                if (_memory is null || Math.Abs(memory - _memory.Value) >= 1024 * 1024)
                {
                    _memory = memory;
                    BroadcastStatusLocked();
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        LanguageServerProcess? server;
        lock (_gate)
        {
            server = _server;
            if (server is not null)
            {
                StopLocked("The workspace agent stopped.");
            }

            foreach (var client in _clients)
            {
                client.Close();
            }
        }

        if (server is not null)
        {
            await server.DisposeAsync();
        }
    }

    private void RequestLocked(LanguageClient client, string method, JsonNode id, JsonObject message)
    {
        if (method == "initialize")
        {
            if (_initializeResult is not null && _state == LanguageServerState.Ready)
            {
                client.Post(JsonRpc.Result(id, _initializeResult.DeepClone()));
                return;
            }

            _initializeWaiters.Add((client, id));
            _initializeParams ??= message["params"]?.DeepClone() as JsonObject ?? [];
            if (_gaveUp || _state == LanguageServerState.Missing)
            {
                // A page that connects again is the user asking for another try: once, not a loop.
                _gaveUp = false;
                _crashes.Clear();
                _state = LanguageServerState.Stopped;
            }

            EnsureStartedLocked();
            return;
        }

        if (method == "shutdown")
        {
            client.Post(JsonRpc.Result(id, null));
            return;
        }

        _lastUsed = time.GetUtcNow();
        if (!client.ReadOnly)
        {
            _lastEditor = client;
        }

        switch (_state)
        {
            case LanguageServerState.Ready:
                ForwardRequestLocked(client, method, id, message);
                break;
            case LanguageServerState.Missing:
            case LanguageServerState.Crashed when _gaveUp:
                client.Post(JsonRpc.Error(id, JsonRpc.RequestFailed, _message));
                break;
            default:
                if (_queued.Count >= MaxQueuedRequests)
                {
                    client.Post(JsonRpc.Error(id, JsonRpc.RequestFailed, $"The {definition.Name} language server is starting; try again in a moment."));
                    break;
                }

                message["id"] = id;
                _queued.Add((client, message));
                EnsureStartedLocked();
                break;
        }
    }

    private void ForwardRequestLocked(LanguageClient client, string method, JsonNode id, JsonObject message)
    {
        var serverId = ++_nextId;
        message["id"] = serverId;
        _pending[serverId] = new Pending(client, id, method, time.GetUtcNow());
        if (_server?.Send(message) != true)
        {
            _pending.Remove(serverId);
            client.Post(JsonRpc.Error(id, JsonRpc.RequestFailed, $"The {definition.Name} language server is not reading its input; the request was dropped."));
        }
    }

    private void NotificationLocked(LanguageClient client, string method, JsonObject message)
    {
        var parameters = message["params"];
        switch (method)
        {
            case "initialized" or "exit":
                return; // The agent initializes the server itself; one client leaving does not stop it.
            case "$/cancelRequest":
                var clientId = parameters?["id"];
                var found = _pending.FirstOrDefault(p => p.Value.Client == client && JsonNode.DeepEquals(p.Value.ClientId, clientId));
                if (found.Value is not null)
                {
                    _server?.Send(JsonRpc.Notification("$/cancelRequest", new JsonObject { ["id"] = found.Key }));
                }

                return;
            case "textDocument/didOpen":
                OpenDocumentLocked(client, parameters?["textDocument"]);
                return;
            case "textDocument/didChange":
                ChangeDocumentLocked(parameters);
                return;
            case "textDocument/didClose":
                if (JsonRpc.String(parameters?["textDocument"], "uri") is { } closed)
                {
                    CloseDocumentLocked(client, closed);
                }

                return;
        }

        if (_state == LanguageServerState.Ready)
        {
            _server?.Send(message);
        }
    }

    private void OpenDocumentLocked(LanguageClient client, JsonNode? document)
    {
        var uri = JsonRpc.String(document, "uri");
        var text = JsonRpc.String(document, "text");
        if (uri is null || text is null)
        {
            return;
        }

        if (!launch.IsInWorkspace(uri))
        {
            client.Post(LogNotification($"Not opened for the {definition.Name} language server: {uri} is outside the workspace."));
            return;
        }

        _lastUsed = time.GetUtcNow();
        client.Documents.Add(uri);
        if (_documents.TryGetValue(uri, out var open))
        {
            open.Openers.Add(client);
            if (open.Text != text)
            {
                open.Text = text;
                open.Version++;
                SendChangeLocked(open);
            }

            return;
        }

        open = new OpenDocument(uri, JsonRpc.String(document, "languageId") ?? definition.Languages[0], text);
        open.Openers.Add(client);
        _documents[uri] = open;
        if (_state == LanguageServerState.Ready)
        {
            SendOpenLocked(open);
        }
        else
        {
            EnsureStartedLocked();
        }
    }

    private void ChangeDocumentLocked(JsonNode? parameters)
    {
        if (JsonRpc.String(parameters?["textDocument"], "uri") is not { } uri || !_documents.TryGetValue(uri, out var open)
            || parameters?["contentChanges"] is not JsonArray { Count: > 0 } changes || JsonRpc.String(changes[^1], "text") is not { } text)
        {
            return;
        }

        // Clients send whole documents (the server is told Full sync is all it gets), so the last change is the text.
        _lastUsed = time.GetUtcNow();
        open.Text = text;
        open.Version++;
        SendChangeLocked(open);
    }

    private void CloseDocumentLocked(LanguageClient client, string uri)
    {
        client.Documents.Remove(uri);
        if (!_documents.TryGetValue(uri, out var open) || !open.Openers.Remove(client) || open.Openers.Count > 0)
        {
            return;
        }

        _documents.Remove(uri);
        if (_state == LanguageServerState.Ready)
        {
            _server?.Send(JsonRpc.Notification("textDocument/didClose", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri } }));
        }
    }

    private void SendOpenLocked(OpenDocument open) =>
        _server?.Send(JsonRpc.Notification("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = open.Uri, ["languageId"] = open.LanguageId, ["version"] = open.Version, ["text"] = open.Text },
        }));

    private void SendChangeLocked(OpenDocument open)
    {
        if (_state == LanguageServerState.Ready)
        {
            _server?.Send(JsonRpc.Notification("textDocument/didChange", new JsonObject
            {
                ["textDocument"] = new JsonObject { ["uri"] = open.Uri, ["version"] = open.Version },
                ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = open.Text }),
            }));
        }
    }

    private void ForwardClientResponseLocked(JsonObject message, JsonNode? id)
    {
        if (id is JsonValue value && value.TryGetValue<string>(out var key) && _serverRequests.Remove(key, out var request))
        {
            message["id"] = request.ServerId.DeepClone();
            _server?.Send(message);
        }
    }

    private void EnsureStartedLocked()
    {
        if (_server is not null || _initializeParams is null || _gaveUp || _state is LanguageServerState.Starting or LanguageServerState.Missing)
        {
            return;
        }

        StartLocked();
    }

    private void StartLocked()
    {
        var environment = launch.Environment();
        var executable = LanguageServerTable.Resolve(definition.Command, environment.GetValueOrDefault("PATH"));
        if (executable is null)
        {
            LogMissing(logger, definition.Name, definition.Command);
            FailLocked(LanguageServerState.Missing,
                $"No {definition.Name} language server: \"{definition.Command}\" is not on the workspace's PATH. Install it in the workspace ({definition.Install}) "
                + "or name another command in .gitpod.yml (languageServers), then reload the page.");
            return;
        }

        var generation = ++_generation;
        try
        {
            _server = LanguageServerProcess.Start(
                executable, definition.Arguments, launch.RootDirectory, environment, options.MaxMessageBytes,
                message => OnServerMessage(generation, message),
                (body, id) => OnServerResponse(generation, body, id),
                line => OnServerLog(generation, line),
                reason => OnServerExit(generation, reason));
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            FailLocked(LanguageServerState.Crashed, $"The {definition.Name} language server ({executable}) could not start: {ex.Message}");
            _gaveUp = true;
            return;
        }

        LogStarted(logger, definition.Name, executable, _server.ProcessId);
        _stopping = false;
        _memory = null;
        _memoryReadAt = default;
        _lastUsed = time.GetUtcNow();
        SetStateLocked(LanguageServerState.Starting, $"Starting {definition.Command}…");

        var parameters = (JsonObject)_initializeParams!.DeepClone();
        parameters["processId"] = Environment.ProcessId;
        parameters["rootUri"] = launch.RootUri;
        parameters["rootPath"] = launch.RootDirectory;
        parameters["workspaceFolders"] = new JsonArray(new JsonObject { ["uri"] = launch.RootUri, ["name"] = Path.GetFileName(launch.RootDirectory) });
        var id = ++_nextId;
        _pending[id] = new Pending(null, null, "initialize", time.GetUtcNow());
        _server.Send(JsonRpc.Request(id, "initialize", parameters));
    }

    private void StopLocked(string message)
    {
        var server = _server;
        _stopping = true;
        _server = null;
        _memory = null;
        FailPendingLocked(message);
        SetStateLocked(LanguageServerState.Stopped, message);
        if (server is not null)
        {
            server.Send(JsonRpc.Request(++_nextId, "shutdown", null));
            server.Send(JsonRpc.Notification("exit", null));
            _ = StopProcessAsync(server);
        }
    }

    private static async Task StopProcessAsync(LanguageServerProcess server)
    {
        if (!await server.WaitForExitAsync(TimeSpan.FromSeconds(3)))
        {
            server.Kill();
        }

        await server.DisposeAsync();
    }

    private void OnServerMessage(int generation, JsonObject message)
    {
        var method = JsonRpc.Method(message);
        var id = JsonRpc.Id(message);
        lock (_gate)
        {
            if (generation != _generation)
            {
                return;
            }

            if (method is null)
            {
                ServerResponseLocked(message, id);
            }
            else if (id is not null)
            {
                ServerRequestLocked(method, id, message);
            }
            else
            {
                if (method == "textDocument/publishDiagnostics" && JsonRpc.String(message["params"], "uri") is { } uri)
                {
                    _diagnostics[uri] = message;
                }

                var text = JsonSerializer.Serialize(message, LanguagesJsonContext.Default.JsonObject);
                foreach (var client in _clients)
                {
                    client.Post(text);
                }
            }
        }
    }

    /// <summary>
    /// An answer, as the server's bytes: only its id is replaced by the client's, without building and writing back a
    /// JSON tree (a completion list is ~10 KB; its round trip is the latency the editor feels).
    /// </summary>
    private void OnServerResponse(int generation, byte[] body, Range id)
    {
        lock (_gate)
        {
            if (generation != _generation || JsonRpc.IntegerId(body.AsSpan(id)) is not { } key || !_pending.Remove(key, out var pending))
            {
                return; // An old server's, or cancelled or timed out meanwhile.
            }

            if (pending.Client is null)
            {
                if (pending.Method == "initialize")
                {
                    InitializedLocked((JsonObject)JsonNode.Parse(body)!);
                }

                return;
            }

            var (start, length) = id.GetOffsetAndLength(body.Length);
            var clientId = Encoding.UTF8.GetBytes(pending.ClientId?.ToJsonString() ?? "null");
            var text = new byte[body.Length - length + clientId.Length];
            body.AsSpan(0, start).CopyTo(text);
            clientId.CopyTo(text, start);
            body.AsSpan(start + length).CopyTo(text.AsSpan(start + clientId.Length));
            pending.Client.Post(Encoding.UTF8.GetString(text));
        }
    }

    private void ServerResponseLocked(JsonObject message, JsonNode? id)
    {
        if (id is not JsonValue value || !value.TryGetValue<long>(out var key) || !_pending.Remove(key, out var pending))
        {
            return; // Cancelled or timed out meanwhile.
        }

        if (pending.Client is null)
        {
            if (pending.Method == "initialize")
            {
                InitializedLocked(message);
            }

            return;
        }

        message["id"] = pending.ClientId;
        pending.Client.Post(message);
    }

    private void InitializedLocked(JsonObject response)
    {
        if (response["error"] is { } error)
        {
            _server?.Kill($"it refused to initialize ({JsonRpc.String(error, "message")})");
            return;
        }

        _initializeResult = response["result"]?.DeepClone() ?? new JsonObject();
        _server?.Send(JsonRpc.Notification("initialized", new JsonObject()));
        var info = _initializeResult["serverInfo"];
        var name = JsonRpc.String(info, "name") ?? definition.Command;
        var version = JsonRpc.String(info, "version");
        SetStateLocked(LanguageServerState.Ready, version is null ? name : $"{name} {version}");

        foreach (var open in _documents.Values)
        {
            SendOpenLocked(open);
        }

        foreach (var (client, id) in _initializeWaiters)
        {
            client.Post(JsonRpc.Result(id, _initializeResult.DeepClone()));
        }

        _initializeWaiters.Clear();
        foreach (var (client, message) in _queued)
        {
            ForwardRequestLocked(client, JsonRpc.Method(message)!, message["id"]!.DeepClone(), message);
        }

        _queued.Clear();
    }

    private void ServerRequestLocked(string method, JsonNode id, JsonObject message)
    {
        var parameters = message["params"];
        switch (method)
        {
            case "workspace/configuration":
                var count = parameters?["items"] is JsonArray items ? items.Count : 0;
                _server?.Send(JsonRpc.Result(id.DeepClone(), new JsonArray(Enumerable.Range(0, count).Select(_ => (JsonNode?)null).ToArray())));
                return;
            case "workspace/workspaceFolders":
                _server?.Send(JsonRpc.Result(id.DeepClone(), new JsonArray(new JsonObject { ["uri"] = launch.RootUri, ["name"] = Path.GetFileName(launch.RootDirectory) })));
                return;
            case "client/registerCapability" or "client/unregisterCapability" or "window/workDoneProgress/create" or "window/showMessageRequest"
                or "workspace/semanticTokens/refresh" or "workspace/inlayHint/refresh" or "workspace/codeLens/refresh" or "workspace/diagnostic/refresh":
                _server?.Send(JsonRpc.Result(id.DeepClone(), null));
                return;
            case "workspace/applyEdit" when _lastEditor is { Closed: false } editor:
                // Edits from a command the user ran go to the editor that ran it, which saves them with its version checks.
                var key = "agent-" + (++_nextServerRequest).ToString(CultureInfo.InvariantCulture);
                _serverRequests[key] = (editor, id.DeepClone());
                message["id"] = key;
                editor.Post(message);
                return;
            case "workspace/applyEdit":
                _server?.Send(JsonRpc.Result(id.DeepClone(), new JsonObject { ["applied"] = false, ["failureReason"] = "No editor that may change files is connected." }));
                return;
            default:
                _server?.Send(JsonRpc.Error(id.DeepClone(), JsonRpc.MethodNotFound, $"The workspace editor does not handle {method}."));
                return;
        }
    }

    private void OnServerLog(int generation, string line)
    {
        lock (_gate)
        {
            if (generation != _generation)
            {
                return;
            }

            var text = JsonSerializer.Serialize(LogNotification($"[{definition.Name}] {line}"), LanguagesJsonContext.Default.JsonObject);
            foreach (var client in _clients)
            {
                client.Post(text);
            }
        }
    }

    private void OnServerExit(int generation, string reason)
    {
        lock (_gate)
        {
            if (generation != _generation || _stopping)
            {
                return;
            }

            var last = _server?.LastLines();
            var exited = _server;
            _server = null;
            _memory = null;
            _ = exited?.DisposeAsync().AsTask();
            var now = time.GetUtcNow();
            _crashes.Enqueue(now);
            while (_crashes.Count > 0 && now - _crashes.Peek() > options.CrashWindow)
            {
                _crashes.Dequeue();
            }

            var detail = string.IsNullOrWhiteSpace(last) ? "" : $" Its last output: {last}";
            LogCrashed(logger, definition.Name, reason, _crashes.Count);
            FailPendingLocked($"The {definition.Name} language server stopped: {reason}.");
            if (_crashes.Count >= options.MaxCrashes)
            {
                _gaveUp = true;
                FailLocked(LanguageServerState.Crashed,
                    $"The {definition.Name} language server crashed {_crashes.Count} times within {Minutes(options.CrashWindow)} ({reason}), so it is not restarted; reload the page to try again.{detail}");
                return;
            }

            // Doubles with each crash in the window, also for a server that crashes right after it got ready.
            var delay = TimeSpan.FromTicks(Math.Min(options.MaxRestartDelay.Ticks, options.RestartDelay.Ticks << Math.Min(_crashes.Count - 1, 16)));
            SetStateLocked(LanguageServerState.Crashed, $"The {definition.Name} language server stopped: {reason}. Restarting in {Seconds(delay)}.{detail}");
            _ = RestartAfterAsync(delay, _generation);
        }
    }

    private async Task RestartAfterAsync(TimeSpan delay, int generation)
    {
        await Task.Delay(delay, time);
        lock (_gate)
        {
            if (generation == _generation && _server is null && !_gaveUp && _state == LanguageServerState.Crashed)
            {
                StartLocked();
            }
        }
    }

    private void FailPendingLocked(string message)
    {
        foreach (var pending in _pending.Values)
        {
            pending.Client?.Post(JsonRpc.Error(pending.ClientId, JsonRpc.RequestFailed, message));
        }

        _pending.Clear();
        _serverRequests.Clear();
    }

    /// <summary>Missing or given up: waiting requests and initializations are answered with the message, once.</summary>
    private void FailLocked(LanguageServerState state, string message)
    {
        SetStateLocked(state, message);
        foreach (var (client, id) in _initializeWaiters)
        {
            client.Post(JsonRpc.Error(id, JsonRpc.RequestFailed, message));
        }

        foreach (var (client, queued) in _queued)
        {
            client.Post(JsonRpc.Error(queued["id"]?.DeepClone(), JsonRpc.RequestFailed, message));
        }

        _initializeWaiters.Clear();
        _queued.Clear();
    }

    private void SetStateLocked(LanguageServerState state, string message)
    {
        _state = state;
        _message = message;
        BroadcastStatusLocked();
    }

    private void BroadcastStatusLocked()
    {
        var status = JsonSerializer.Serialize(StatusNotification(), LanguagesJsonContext.Default.JsonObject);
        foreach (var client in _clients)
        {
            client.Post(status);
        }
    }

    private LanguageServerStatus StatusLocked() =>
        new(definition.Name, definition.Languages, _state, _message, _memory, launch.RootUri);

    private JsonObject StatusNotification() =>
        JsonRpc.Notification(Shared.Languages.LanguagesHubContract.StatusMethod, JsonSerializer.SerializeToNode(StatusLocked(), LanguagesJsonContext.Default.LanguageServerStatus));

    private static JsonObject LogNotification(string text) =>
        JsonRpc.Notification(Shared.Languages.LanguagesHubContract.LogMethod, new JsonObject { ["text"] = text });

    private static string Seconds(TimeSpan span) => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} s");

    private static string Minutes(TimeSpan span) => span.TotalMinutes >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalMinutes:0.#} min")
        : Seconds(span);

    [LoggerMessage(Level = LogLevel.Information, Message = "Language server {Server} started: {Executable} (pid {ProcessId})")]
    private static partial void LogStarted(ILogger logger, string server, string executable, int processId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Language server {Server}: {Command} is not on PATH")]
    private static partial void LogMissing(ILogger logger, string server, string command);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Language server {Server} stopped unexpectedly: {Reason} ({Crashes} recent crashes)")]
    private static partial void LogCrashed(ILogger logger, string server, string reason, int crashes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Language server {Server} stopped after {IdleTimeout} without use")]
    private static partial void LogIdleStop(ILogger logger, string server, TimeSpan idleTimeout);

    private sealed record Pending(LanguageClient? Client, JsonNode? ClientId, string Method, DateTimeOffset Started);

    private sealed class OpenDocument(string uri, string languageId, string text)
    {
        public string Uri { get; } = uri;

        public string LanguageId { get; } = languageId;

        public string Text { get; set; } = text;

        public int Version { get; set; } = 1;

        public HashSet<LanguageClient> Openers { get; } = [];
    }
}
