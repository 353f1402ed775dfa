using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.Shared.SourceControl;

namespace Workspaces.Web.Agents;

/// <summary>Talks to workspace agents on behalf of the web app, presenting each workspace's secret.</summary>
public sealed class AgentClient(HttpClient http)
{
    public const string HttpClientName = "agents";

    public async Task<AgentStatus> GetStatusAsync(Uri agentUrl, string secret, long after, TimeSpan wait, CancellationToken cancellationToken)
    {
        var uri = new Uri(agentUrl, $"{AgentProtocol.StatusPath}?after={after}&waitMs={(long)wait.TotalMilliseconds}");
        using var request = Authorized(HttpMethod.Get, uri, secret);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<AgentStatus>(AgentJson.Options, cancellationToken)
            ?? throw new HttpRequestException("The agent answered an empty status.");
    }

    /// <summary>A task's output from <paramref name="offset"/>, and the log's total length.</summary>
    public async Task<TaskLogChunk> GetTaskLogAsync(Uri agentUrl, string secret, int taskIndex, long offset, CancellationToken cancellationToken)
    {
        var uri = new Uri(agentUrl, $"{AgentProtocol.TaskLogPathPrefix}{taskIndex}/log?offset={offset}");
        using var request = Authorized(HttpMethod.Get, uri, secret);
        using var response = await http.SendAsync(request, cancellationToken);
        if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return new TaskLogChunk("", 0);
        }

        response.EnsureSuccessStatusCode();
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var length = response.Headers.TryGetValues("X-Log-Length", out var values) && long.TryParse(values.First(), out var l) ? l : offset + bytes.Length;
        return new TaskLogChunk(Encoding.UTF8.GetString(bytes), length);
    }

    /// <summary>The checkout's Git summary, checked now; null outside a Git repository.</summary>
    public async Task<GitSummary?> GetGitSummaryAsync(Uri agentUrl, string secret, CancellationToken cancellationToken)
    {
        using var request = Authorized(HttpMethod.Get, new Uri(agentUrl, SourceControlHubContract.SummaryPath), secret);
        using var response = await http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        return response.StatusCode == System.Net.HttpStatusCode.NoContent ? null
            : await response.Content.ReadFromJsonAsync<GitSummary>(AgentJson.Options, cancellationToken);
    }

    private static HttpRequestMessage Authorized(HttpMethod method, Uri uri, string secret)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new AuthenticationHeaderValue(AgentProtocol.AuthorizationScheme, secret);
        return request;
    }
}

public sealed record TaskLogChunk(string Text, long Length);
