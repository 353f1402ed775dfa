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

    public ApiClient(HttpClient http, string? token)
    {
        Http = http;
        Token = token;
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
            $"Workspace {id} ended in {details.Workspace.Phase} ({details.Workspace.Status}): {details.Workspace.Error?.Code} {details.Workspace.Error?.Message}");
        return details;
    }

    public async Task<WorkspaceDetails> WaitUntilAsync(string id, Func<WorkspaceDetails, bool> condition, string what, TimeSpan? timeout = null)
    {
        WorkspaceDetails? last = null;
        try
        {
            return await Poll.UntilNotNullAsync(
                async () =>
                {
                    last = await GetWorkspaceAsync(id) ?? throw new InvalidOperationException($"Workspace {id} is gone (404).");
                    return condition(last) ? last : null;
                },
                timeout ?? ReadyTimeout,
                what);
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message} Last seen: {JsonSerializer.Serialize(last?.Workspace, Json)}", e);
        }
    }

    public void Dispose() => Http.Dispose();
}
