using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Terminals;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Projects;

/// <summary>A team project opened by a member: its variables and secrets reach the workspace, and nowhere else.</summary>
public sealed class ProjectWorkspaceTests(ProjectWorkspaceTests.CapturingFixture fixture) : IClassFixture<ProjectWorkspaceTests.CapturingFixture>, IDisposable
{
    private const string SecretValue = "s3cr3t-0f-the-team-7f1c";
    private const string FileSecretValue = "-----BEGIN KEY-----file-secret-93ab";
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task ProjectWorkspace_OpenedByAMember_TasksSeeVariablesAndSecrets_SecretsNeverInAnswersLogsOrAudit()
    {
        var repository = await _repositories.CreateAsync($"api-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithGitpodYml("""
            tasks:
              - name: env
                command: |
                  echo "$GREETING|$API_TOKEN|$(cat "$SIGNING_KEY_FILE")" > env.txt
            """));
        var (lead, member, projectId) = await ProjectAsync(repository.FileUrl);
        await PutAsync(lead, $"/api/projects/{projectId}/variables/GREETING", new { value = "hello-team" });
        await PutAsync(lead, $"/api/projects/{projectId}/variables/API_TOKEN", new { value = SecretValue, secret = true });
        await PutAsync(lead, $"/api/projects/{projectId}/variables/SIGNING_KEY", new { value = FileSecretValue, secret = true, asFile = true });

        var workspace = await AccessWorld.PostAsync(member, $"/api/projects/{projectId}/workspaces", new { });
        var id = workspace.GetProperty("id").GetString()!;
        await member.WaitUntilReadyAsync(id);
        var envFile = Path.Combine(fixture.App.WorkspaceDirectory(id), Path.GetFileNameWithoutExtension(repository.Path), "env.txt");
        var env = await Poll.UntilNotNullAsync(() => Task.FromResult(File.Exists(envFile) && File.ReadAllText(envFile).EndsWith('\n') ? File.ReadAllText(envFile) : null), Timeout, "the task to write env.txt");

        Assert.Equal($"hello-team|{SecretValue}|{FileSecretValue}\n", env);
        var answers = new StringBuilder();
        var teamId = await ProjectTeamAsync(lead, projectId);
        foreach (var path in new[] { $"/api/projects/{projectId}", $"/api/workspaces/{id}", "/api/workspaces", $"/api/teams/{teamId}", $"/api/workspaces/{id}/access" })
        {
            using var response = await (path.Contains("/workspaces", StringComparison.Ordinal) ? member : lead).Http.GetAsync(new Uri(path, UriKind.Relative));
            answers.Append(await response.Content.ReadAsStringAsync());
        }

        using (var audit = await fixture.Admin.Http.GetAsync(new Uri($"/api/admin/audit?target={projectId}", UriKind.Relative)))
        {
            var entries = await audit.Content.ReadAsStringAsync();
            Assert.Contains("API_TOKEN (secret)", entries, StringComparison.Ordinal);
            answers.Append(entries);
        }

        Assert.Contains("\"isSecret\":true", answers.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(SecretValue, answers.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(FileSecretValue, answers.ToString(), StringComparison.Ordinal);
        Assert.NotEmpty(fixture.App.Logs!.Lines);
        Assert.DoesNotContain(fixture.App.Logs.Lines, line => line.Contains(SecretValue, StringComparison.Ordinal) || line.Contains("file-secret-93ab", StringComparison.Ordinal));
        Assert.DoesNotContain(SecretValue, await File.ReadAllTextAsync(Path.Combine(fixture.App.WorkspaceDirectory(id), ".workspace", "agent.log")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RemovedMember_WithATerminalAttachedToASharedWorkspace_IsCutAtOnceAndLosesAccess()
    {
        var repository = await _repositories.CreateAsync($"web-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var (lead, owner, projectId) = await ProjectAsync(repository.FileUrl);
        using var colleague = await fixture.App.CreateUserAsync();
        await AccessWorld.JoinAsync(lead, colleague, (await ProjectTeamAsync(lead, projectId)));
        var id = (await AccessWorld.PostAsync(owner, $"/api/projects/{projectId}/workspaces", new { })).GetProperty("id").GetString()!;
        await owner.WaitUntilReadyAsync(id);
        await AccessWorld.PostAsync(owner, $"/api/workspaces/{id}/shares", new { email = await AccessWorld.EmailAsync(colleague), access = "Full" });

        await using var connection = Connect(id, colleague.Token!);
        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += _ =>
        {
            closed.TrySetResult();
            return Task.CompletedTask;
        };
        await connection.StartAsync();
        var terminal = await connection.InvokeAsync<TerminalInfo>("CreateTerminal", new CreateTerminalRequest("pairing", 80, 24));
        using var cancel = new CancellationTokenSource(Timeout);
        var frames = await connection.StreamAsChannelAsync<TerminalFrame>("Attach", terminal.Id, 0L, cancel.Token);
        await connection.InvokeAsync("Input", terminal.Id, Encoding.UTF8.GetBytes("echo typed-by-$((1+1))\n"));
        await ReadUntilAsync(frames, "typed-by-2", cancel.Token);

        var teamId = await ProjectTeamAsync(lead, projectId);
        var colleagueId = await AccessWorld.UserIdAsync(colleague);
        using (var removed = await lead.Http.DeleteAsync(new Uri($"/api/teams/{teamId}/members/{colleagueId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        }

        await closed.Task.WaitAsync(Timeout);
        Assert.Equal(HubConnectionState.Disconnected, connection.State);
        using var after = await colleague.Http.GetAsync(new Uri($"/api/workspaces/{id}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, after.StatusCode);
        await using var again = Connect(id, colleague.Token!);
        await Assert.ThrowsAnyAsync<Exception>(() => again.StartAsync());
        // The owner's own work goes on.
        Assert.Equal(Shared.Agent.WorkspacePhase.Ready, (await owner.GetWorkspaceAsync(id))!.Workspace.Phase);
    }

    [Fact]
    public async Task ReadOnlyShare_Terminal_WatchesOutputButCannotType()
    {
        var repository = await _repositories.CreateAsync($"docs-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var (lead, owner, projectId) = await ProjectAsync(repository.FileUrl);
        using var watcher = await fixture.App.CreateUserAsync();
        await AccessWorld.JoinAsync(lead, watcher, await ProjectTeamAsync(lead, projectId));
        var id = (await AccessWorld.PostAsync(owner, $"/api/projects/{projectId}/workspaces", new { })).GetProperty("id").GetString()!;
        await owner.WaitUntilReadyAsync(id);
        await AccessWorld.PostAsync(owner, $"/api/workspaces/{id}/shares", new { email = await AccessWorld.EmailAsync(watcher), access = "ReadOnly" });
        await using var asOwner = Connect(id, owner.Token!);
        await asOwner.StartAsync();
        var terminal = await asOwner.InvokeAsync<TerminalInfo>("CreateTerminal", new CreateTerminalRequest("demo", 80, 24));
        await asOwner.InvokeAsync("Input", terminal.Id, Encoding.UTF8.GetBytes("echo shown-$((3*3))\n"));

        await using var asWatcher = Connect(id, watcher.Token!);
        await asWatcher.StartAsync();
        using var cancel = new CancellationTokenSource(Timeout);
        var frames = await asWatcher.StreamAsChannelAsync<TerminalFrame>("Attach", terminal.Id, 0L, cancel.Token);
        await ReadUntilAsync(frames, "shown-9", cancel.Token);
        var refused = await Assert.ThrowsAsync<HubException>(() => asWatcher.InvokeAsync("Input", terminal.Id, Encoding.UTF8.GetBytes("rm -rf ~\n")));
        await Assert.ThrowsAsync<HubException>(() => asWatcher.InvokeAsync<TerminalInfo>("CreateTerminal", new CreateTerminalRequest("mine", 80, 24)));

        Assert.Contains("read-only", refused.Message, StringComparison.Ordinal);
        // The watcher's dashboard lists it as shared with them (no Start, Stop or Delete offered); the owner's as theirs.
        Assert.True(await SharedWithYouAsync(watcher, id));
        Assert.False(await SharedWithYouAsync(owner, id));
    }

    private static async Task<bool> SharedWithYouAsync(ApiClient client, string workspaceId)
    {
        using var response = await client.Http.GetAsync(new Uri("/api/workspaces", UriKind.Relative));
        response.EnsureSuccessStatusCode();
        using var list = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return list.RootElement.EnumerateArray().Single(w => w.GetProperty("id").GetString() == workspaceId).GetProperty("sharedWithYou").GetBoolean();
    }

    private async Task<(ApiClient Lead, ApiClient Member, string ProjectId)> ProjectAsync(string repositoryUrl)
    {
        var lead = await fixture.App.CreateUserAsync();
        var member = await fixture.App.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Backend" })).GetProperty("id").GetString()!;
        await AccessWorld.JoinAsync(lead, member, teamId);
        var project = await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "api", repositoryUrl });
        return (lead, member, project.GetProperty("id").GetString()!);
    }

    private static async Task<string> ProjectTeamAsync(ApiClient lead, string projectId)
    {
        using var response = await lead.Http.GetAsync(new Uri($"/api/projects/{projectId}", UriKind.Relative));
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("teamId").GetString()!;
    }

    private static async Task PutAsync(ApiClient client, string path, object body)
    {
        using var response = await client.Http.PutAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {text}");
        Assert.DoesNotContain(SecretValue, text, StringComparison.Ordinal);
    }

    private static async Task ReadUntilAsync(System.Threading.Channels.ChannelReader<TerminalFrame> frames, string text, CancellationToken cancellationToken)
    {
        var output = new StringBuilder();
        while (!output.ToString().Contains(text, StringComparison.Ordinal))
        {
            var frame = await frames.ReadAsync(cancellationToken);
            if (frame.Kind == TerminalFrameKind.Output)
            {
                output.Append(Encoding.UTF8.GetString(frame.Data));
            }
        }
    }

    private HubConnection Connect(string workspaceId, string token) =>
        new HubConnectionBuilder()
            .WithUrl(new Uri(fixture.App.BaseAddress, $"workspaces/{workspaceId}/agent{TerminalsHubContract.Path}"), options =>
            {
                options.SkipNegotiation = true;
                options.Transports = HttpTransportType.WebSockets;
                options.Headers["Authorization"] = "Bearer " + token;
            })
            .AddMessagePackProtocol()
            .Build();

    /// <summary>Captures every log line, at every level, to prove secrets never reach one.</summary>
    public sealed class CapturingFixture : AppFixture
    {
        protected override Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync() =>
            Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
            {
                [LogCapture.SettingKey] = "true",
                ["Logging:LogLevel:Default"] = "Trace",
                ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            });
    }
}
