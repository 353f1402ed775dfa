using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Hosting;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>Talks to an agent the way the web app does: bearer secret, long-polled status, paged logs.</summary>
internal sealed class AgentClient : IDisposable
{
    public AgentClient(Uri baseAddress, string? secret = TestBootstraps.Secret)
    {
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        if (secret is not null)
        {
            Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }
    }

    public HttpClient Http { get; }

    public async Task<AgentStatus> GetStatusAsync(long? after = null, int? waitMs = null, CancellationToken cancellationToken = default)
    {
        var query = after is null ? string.Empty : string.Create(CultureInfo.InvariantCulture, $"?after={after}&waitMs={waitMs ?? 0}");
        var status = await Http.GetFromJsonAsync(AgentProtocol.StatusPath + query, AgentJsonContext.Default.AgentStatus, cancellationToken);
        return status ?? throw new InvalidOperationException("The agent answered no status.");
    }

    /// <summary>Long-polls until <paramref name="until"/> holds; every status seen is kept in <paramref name="seen"/> when given.</summary>
    public async Task<AgentStatus> WaitForAsync(Func<AgentStatus, bool> until, TimeSpan timeout, List<AgentStatus>? seen = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var status = await GetStatusAsync(cancellationToken: deadline.Token);
        seen?.Add(status);
        while (!until(status))
        {
            try
            {
                status = await GetStatusAsync(status.Version, 5_000, deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"The agent did not get there within {timeout.TotalSeconds} s; last status: phase {status.Phase}, error {status.Error}.");
            }

            seen?.Add(status);
        }

        return status;
    }

    public Task<AgentStatus> WaitForSettledAsync(TimeSpan timeout) =>
        WaitForAsync(status => status.Phase is WorkspacePhase.Ready or WorkspacePhase.Failed, timeout);

    public async Task<(string Text, long Length)> GetTaskLogAsync(int index, long offset = 0)
    {
        using var response = await Http.GetAsync(string.Create(CultureInfo.InvariantCulture, $"/api/tasks/{index}/log?offset={offset}"));
        response.EnsureSuccessStatusCode();
        var length = long.Parse(response.Headers.GetValues("X-Log-Length").Single(), CultureInfo.InvariantCulture);
        return (await response.Content.ReadAsStringAsync(), length);
    }

    public void Dispose() => Http.Dispose();
}
