using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workspaces.Shared.Languages;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>
/// The workspace's language servers, one per table row, created on the first connection for one of its languages and
/// shared by every connection after it.
/// </summary>
public sealed class LanguageServers(
    Func<LanguageServerTable> table,
    LanguageServerLaunch launch,
    LanguagesOptions options,
    TimeProvider time,
    ILoggerFactory loggers) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, LanguageServerHost> _hosts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Connection, string Language), (LanguageServerHost Host, LanguageClient Client)> _clients = new();
    private readonly Lock _creating = new();

    /// <summary>Attaches a connection to the server for a language; its messages come out of the returned client's reader.</summary>
    internal LanguageClient Connect(string connectionId, string language, bool readOnly)
    {
        var client = new LanguageClient(connectionId, readOnly, options.ClientQueueMessages);
        var host = HostFor(language);
        if (host is null)
        {
            client.Post(JsonRpc.Notification(Shared.Languages.LanguagesHubContract.StatusMethod, JsonSerializer.SerializeToNode(
                new LanguageServerStatus(language, [language], LanguageServerState.NotConfigured,
                    $"No language server is configured for {language}. Add one to .gitpod.yml (languageServers) to get completion and diagnostics.", null, launch.RootUri),
                LanguagesJsonContext.Default.LanguageServerStatus)));
            client.Close();
            return client;
        }

        if (_clients.TryRemove((connectionId, language), out var previous))
        {
            previous.Host.Detach(previous.Client);
        }

        _clients[(connectionId, language)] = (host, client);
        host.Attach(client);
        return client;
    }

    /// <summary>One JSON-RPC message from a connection; false when it is not one (the caller closes the connection).</summary>
    public bool Deliver(string connectionId, string language, string message)
    {
        if (!_clients.TryGetValue((connectionId, language), out var attached))
        {
            return true; // Sent after the stream ended: nobody to answer.
        }

        JsonObject? parsed;
        try
        {
            parsed = JsonNode.Parse(message) as JsonObject;
        }
        catch (JsonException)
        {
            parsed = null;
        }

        if (parsed is null)
        {
            Disconnect(connectionId, language);
            return false;
        }

        attached.Host.Receive(attached.Client, parsed);
        return true;
    }

    public void Disconnect(string connectionId, string language, LanguageClient? only = null)
    {
        if (_clients.TryGetValue((connectionId, language), out var attached) && (only is null || attached.Client == only)
            && _clients.TryRemove(new KeyValuePair<(string, string), (LanguageServerHost, LanguageClient)>((connectionId, language), attached)))
        {
            attached.Host.Detach(attached.Client);
        }
    }

    public void DisconnectAll(string connectionId)
    {
        foreach (var key in _clients.Keys.Where(k => k.Connection == connectionId))
        {
            Disconnect(key.Connection, key.Language);
        }
    }

    public IReadOnlyList<LanguageServerStatus> Statuses() => _hosts.Values.Select(h => h.Status()).OrderBy(s => s.Server, StringComparer.Ordinal).ToArray();

    public void Sweep()
    {
        foreach (var host in _hosts.Values)
        {
            host.Sweep();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts.Values)
        {
            await host.DisposeAsync();
        }
    }

    private LanguageServerHost? HostFor(string language)
    {
        if (_hosts.Values.FirstOrDefault(h => h.Definition.Languages.Contains(language, StringComparer.Ordinal)) is { } existing)
        {
            return existing;
        }

        lock (_creating)
        {
            // The repository's table is read when a server is first needed, so a changed .gitpod.yml applies to new servers.
            if (table().Find(language) is not { } definition)
            {
                return null;
            }

            return _hosts.GetOrAdd(definition.Name, _ => new LanguageServerHost(definition, launch, options, time, loggers.CreateLogger<LanguageServerHost>()));
        }
    }
}
