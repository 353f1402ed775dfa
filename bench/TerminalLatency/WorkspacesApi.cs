using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;
using Workspaces.Shared.Agent;

namespace Workspaces.TerminalLatency;

/// <summary>The parts of the web app's REST API the harness needs, called as any API client would.</summary>
internal sealed class WorkspacesApi(Uri baseUrl) : IDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
    private readonly HttpClient _http = new() { BaseAddress = baseUrl };

    /// <summary>The personal access token the client signed in with.</summary>
    public string Token { get; private set; } = "";

    /// <summary>Creates the administrator and a personal access token, which every later call presents.</summary>
    public async Task SignInAsync(string email, string password, CancellationToken cancellationToken)
    {
        using (var setup = await _http.PostAsJsonAsync("/api/setup", new { email, password }, Json, cancellationToken))
        {
            await EnsureAsync(setup, cancellationToken);
        }

        using var created = await _http.PostAsJsonAsync("/api/auth/tokens", new { email, password, name = "terminal-bench" }, Json, cancellationToken);
        await EnsureAsync(created, cancellationToken);
        Token = (await created.Content.ReadFromJsonAsync<CreatedToken>(Json, cancellationToken))!.Value;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
    }

    /// <summary>Creates a workspace and waits until it is Ready; returns its id.</summary>
    public async Task<string> CreateReadyWorkspaceAsync(string repositoryUrl, CancellationToken cancellationToken)
    {
        string id;
        using (var response = await _http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl }, Json, cancellationToken))
        {
            await EnsureAsync(response, cancellationToken);
            id = (await response.Content.ReadFromJsonAsync<WorkspaceDto>(Json, cancellationToken))!.Id;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(2));
        while (true)
        {
            using var response = await _http.GetAsync(new Uri($"/api/workspaces/{id}", UriKind.Relative), timeout.Token);
            await EnsureAsync(response, timeout.Token);
            var details = await response.Content.ReadFromJsonAsync<WorkspaceDetailsDto>(Json, timeout.Token);
            switch (details!.Workspace.Phase)
            {
                case WorkspacePhase.Ready:
                    return id;
                case WorkspacePhase.Failed:
                    throw new InvalidOperationException($"Workspace {id} failed: {details.Workspace.Error?.Code} {details.Workspace.Error?.Message}");
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    public async Task DeleteWorkspaceAsync(string id, CancellationToken cancellationToken)
    {
        using var response = await _http.DeleteAsync(new Uri($"/api/workspaces/{id}", UriKind.Relative), cancellationToken);
        if (response.StatusCode != HttpStatusCode.NotFound)
        {
            await EnsureAsync(response, cancellationToken);
        }
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

    private sealed record WorkspaceDto(string Id, WorkspacePhase Phase, WorkspaceErrorDto? Error);

    private sealed record WorkspaceErrorDto(string Code, string Message);

    private sealed record WorkspaceDetailsDto(WorkspaceDto Workspace);
}
