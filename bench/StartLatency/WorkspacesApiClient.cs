using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Workspaces.Shared.Agent;

namespace Workspaces.StartLatency;

/// <summary>The parts of the REST API the harness uses, as a client would call them.</summary>
internal sealed class WorkspacesApiClient(Uri baseUrl) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private readonly HttpClient _http = new() { BaseAddress = baseUrl };

    /// <summary>Creates the administrator and signs the client in with a fresh personal access token.</summary>
    public async Task SignInAsync(string email, string password, CancellationToken cancellationToken)
    {
        using (var setup = await _http.PostAsJsonAsync("/api/setup", new { email, password }, Json, cancellationToken))
        {
            await EnsureAsync(setup, cancellationToken);
        }

        using var created = await _http.PostAsJsonAsync("/api/auth/tokens", new { email, password, name = "bench" }, Json, cancellationToken);
        await EnsureAsync(created, cancellationToken);
        var token = await created.Content.ReadFromJsonAsync<CreatedToken>(Json, cancellationToken);
        UseToken(token!.Value);
    }

    /// <summary>The personal access token in use; null before signing in.</summary>
    public string? Token { get; private set; }

    public void UseToken(string token)
    {
        Token = token;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    public async Task SaveGitCredentialAsync(string host, string username, string token, CancellationToken cancellationToken)
    {
        using var response = await _http.PutAsJsonAsync($"/api/git-credentials/{Uri.EscapeDataString(host)}", new { username, token }, Json, cancellationToken);
        await EnsureAsync(response, cancellationToken);
    }

    public async Task<WorkspaceDto> CreateWorkspaceAsync(string repositoryUrl, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl }, Json, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return (await response.Content.ReadFromJsonAsync<WorkspaceDto>(Json, cancellationToken))!;
    }

    /// <summary>The workspace's details; null once it is gone (404).</summary>
    public async Task<WorkspaceDetailsDto?> GetWorkspaceAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri($"/api/workspaces/{id}", UriKind.Relative), cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<WorkspaceDetailsDto>(Json, cancellationToken);
    }

    public async Task DeleteWorkspaceAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync(new Uri($"/api/workspaces/{id}", UriKind.Relative), cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureAsync(response, cancellationToken);
        }
    }

    /// <summary>POSTs <paramref name="body"/> and reads the JSON answer, failing with the server's message.</summary>
    public async Task<JsonElement> PostAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await _http.PostAsJsonAsync(path, body, Json, cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
    }

    public async Task PutAsync(string path, object body, CancellationToken cancellationToken)
    {
        using var response = await _http.PutAsJsonAsync(path, body, Json, cancellationToken);
        await EnsureAsync(response, cancellationToken);
    }

    public async Task<JsonElement> GetAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await _http.GetAsync(new Uri(path, UriKind.Relative), cancellationToken);
        await EnsureAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json, cancellationToken);
    }

    public void Dispose() => _http.Dispose();

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery} answered {(int)response.StatusCode}: {body}");
        }
    }

    private sealed record CreatedToken(string Value);
}

internal sealed record WorkspaceDto(string Id, WorkspacePhase Phase, string Status, WorkspaceErrorDto? Error);

internal sealed record WorkspaceErrorDto(string Code, string Message, string? Advice);

internal sealed record WorkspaceDetailsDto(WorkspaceDto Workspace, WorkspaceStartDto? LastStart, WorkspacePrebuildDto? Prebuild = null);

/// <summary>Whether a start came from a prebuild, as the start screen says it.</summary>
internal sealed record WorkspacePrebuildDto(bool Used, string? Summary, string? Note);

internal sealed record WorkspaceStartDto(
    DateTimeOffset RequestedAt,
    DateTimeOffset? LaunchedAt,
    DateTimeOffset? AgentStartedAt,
    DateTimeOffset? CloneStartedAt,
    DateTimeOffset? CloneEndedAt,
    DateTimeOffset? TasksStartedAt,
    DateTimeOffset? ReadyAt);
