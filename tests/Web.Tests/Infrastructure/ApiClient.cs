using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>The REST API as a user's script calls it: a bearer token and JSON.</summary>
public sealed class ApiClient : IDisposable
{
    /// <summary>Generous for a loaded 2-core machine; a healthy start takes about a second.</summary>
    public static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);

    public static JsonSerializerOptions Json => AgentJson.Options;

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    private readonly Func<string, string>? _describe;

    /// <param name="describe">Describes a workspace's files and logs for failure messages (<see cref="TestApp.Describe"/>).</param>
    public ApiClient(HttpClient http, string? token, Func<string, string>? describe = null)
    {
        Http = http;
        Token = token;
        _describe = describe;
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public HttpClient Http { get; }

    public string? Token { get; }

    public async Task<WorkspaceView> CreateWorkspaceAsync(string repositoryUrl, string? gitRef = null)
    {
        using var response = await Http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl, @ref = gitRef });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST /api/workspaces answered {(int)response.StatusCode}: {body}");
        return JsonSerializer.Deserialize<WorkspaceView>(body, Json)!;
    }

    /// <summary>GET /api/workspaces/{id}; null on 404.</summary>
    public async Task<WorkspaceDetails?> GetWorkspaceAsync(string id)
    {
        using var response = await Http.GetAsync(new Uri($"/api/workspaces/{id}", UriKind.Relative));
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<WorkspaceDetails>(Json);
    }

    public async Task<IReadOnlyList<WorkspaceView>> ListWorkspacesAsync()
    {
        using var response = await Http.GetAsync(new Uri("/api/workspaces", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<List<WorkspaceView>>(Json))!;
    }

    /// <summary>Polls the list (one request for all of the user's workspaces) until <paramref name="condition"/> holds.</summary>
    public async Task<IReadOnlyList<WorkspaceView>> WaitUntilListAsync(Func<IReadOnlyList<WorkspaceView>, bool> condition, string what, TimeSpan timeout)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var listed = await ListWorkspacesAsync();
            if (condition(listed))
            {
                return listed;
            }

            if (TimeProvider.System.GetElapsedTime(started) > timeout)
            {
                throw new TimeoutException(
                    $"Timed out after {timeout.TotalSeconds:0} s waiting for {what}. Last seen: {string.Join(", ", listed.Select(w => $"{w.Id} {w.Status} {w.Error?.Code}"))}");
            }

            await Task.Delay(PollInterval);
        }
    }

    /// <summary>POST /api/workspaces/{id}/{action} (start, stop, restart).</summary>
    public Task<HttpResponseMessage> PostActionAsync(string id, string action) =>
        Http.PostAsync(new Uri($"/api/workspaces/{id}/{action}", UriKind.Relative), null);

    public Task<HttpResponseMessage> DeleteWorkspaceAsync(string id) =>
        Http.DeleteAsync(new Uri($"/api/workspaces/{id}", UriKind.Relative));

    public Task<HttpResponseMessage> GetTaskLogAsync(string id, int index) =>
        Http.GetAsync(new Uri($"/api/workspaces/{id}/tasks/{index}/log", UriKind.Relative));

    /// <summary>
    /// Polls until the workspace has come to rest: Ready or Failed while wanted running, Stopped while wanted stopped.
    /// With <paramref name="startedAfter"/>, only a start launched after that moment counts (so a stale Failed or Ready
    /// from before a retry is not mistaken for the new outcome).
    /// </summary>
    public Task<WorkspaceDetails> WaitUntilSettledAsync(string id, DateTimeOffset? startedAfter = null, TimeSpan? timeout = null) =>
        WaitUntilAsync(
            id,
            d => d.Workspace.DesiredState switch
            {
                DesiredState.Running => d.Workspace.Phase is WorkspacePhase.Ready or WorkspacePhase.Failed
                    && (startedAfter is null || d.Workspace.LastStartedAt > startedAfter),
                DesiredState.Stopped => d.Workspace.Phase == WorkspacePhase.Stopped,
                _ => false,
            },
            "the workspace to come to rest (Ready, Failed or Stopped)",
            timeout);

    /// <summary>Polls until the workspace is Ready and fails at once, with the workspace's error, if it fails instead.</summary>
    public async Task<WorkspaceDetails> WaitUntilReadyAsync(string id, DateTimeOffset? startedAfter = null, TimeSpan? timeout = null)
    {
        var details = await WaitUntilSettledAsync(id, startedAfter, timeout);
        Assert.True(
            details.Workspace.Phase == WorkspacePhase.Ready,
            $"Workspace {id} ended in {details.Workspace.Phase} ({details.Workspace.Status}): {details.Workspace.Error?.Code} {details.Workspace.Error?.Message}\n{_describe?.Invoke(id)}");
        return details;
    }

    /// <summary>Waits until the workspace's Ports list shows <paramref name="port"/> as listening.</summary>
    public Task WaitUntilPortListensAsync(string id, int port, TimeSpan timeout) =>
        Poll.UntilAsync(
            async () => (await Http.GetFromJsonAsync<List<global::Workspaces.Web.Previews.PortView>>($"/api/workspaces/{id}/ports", Json))!.Any(p => p.Port == port && p.Listening),
            timeout,
            $"port {port} to be detected");

    public async Task<WorkspaceDetails> WaitUntilAsync(string id, Func<WorkspaceDetails, bool> condition, string what, TimeSpan? timeout = null)
    {
        // Not Poll.UntilAsync: every look is a request and a query, and many tests wait at once on two cores.
        var limit = timeout ?? ReadyTimeout;
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var last = await GetWorkspaceAsync(id) ?? throw new InvalidOperationException($"Workspace {id} is gone (404).");
            if (condition(last))
            {
                return last;
            }

            if (TimeProvider.System.GetElapsedTime(started) > limit)
            {
                throw new TimeoutException(
                    $"Timed out after {limit.TotalSeconds:0} s waiting for {what}. Last seen: {JsonSerializer.Serialize(last, Json)}\n{_describe?.Invoke(id)}");
            }

            await Task.Delay(PollInterval);
        }
    }

    public void Dispose() => Http.Dispose();
}
