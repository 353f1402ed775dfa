using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Threading.Channels;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Web.Authorization;
using Workspaces.Web.Projects;
using Workspaces.Web.SourceControl;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>The dashboard rendered against a hand-written <see cref="IDashboardClient"/>: what it shows comes from the snapshot, and a change brings the next one.</summary>
public sealed class DashboardTests : BunitContext
{
    private const string UserId = "user-1";
    private readonly FakeDashboardClient _client = new();

    public DashboardTests()
    {
        Services.AddSingleton<IDashboardClient>(_client);
        Services.AddSingleton(TimeProvider.System);
        JSInterop.Mode = JSRuntimeMode.Loose;
        AddAuthorization().SetAuthorized("ada@example.com").SetClaims(new Claim(ClaimTypes.NameIdentifier, UserId));
        // Last: it starts the renderer, after which no service may be added.
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public void Dashboard_Snapshot_ListsTheUsersWorkspaces()
    {
        _client.Snapshot = new DashboardSnapshot([Workspace("ws-1", "api-server")], []);

        var page = Render<Dashboard>();

        page.WaitForAssertion(() => Assert.Contains("api-server", page.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Equal(UserId, _client.SnapshotFor);
    }

    [Fact]
    public async Task Dashboard_ChangeOnTheStream_ShowsTheNextSnapshot()
    {
        _client.Snapshot = new DashboardSnapshot([Workspace("ws-1", "api-server")], []);
        var page = Render<Dashboard>();
        page.WaitForAssertion(() => Assert.Contains("api-server", page.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));

        _client.Snapshot = new DashboardSnapshot([Workspace("ws-1", "api-server"), Workspace("ws-2", "web-frontend")], []);
        await _client.PublishAsync(new WorkspaceChange("ws-2", UserId, WorkspaceChangeKind.Updated));

        page.WaitForAssertion(() => Assert.Contains("web-frontend", page.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Equal(UserId, _client.WatchedFor);
    }

    [Fact]
    public async Task Dashboard_Disposed_StopsWatching()
    {
        _client.Snapshot = new DashboardSnapshot([], []);
        Render<Dashboard>();
        await _client.Watching.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await DisposeComponentsAsync();

        await _client.WatchEnded.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static WorkspaceView Workspace(string id, string name) => new(
        id, name, $"https://github.com/acme/{name}", null, DesiredState.Stopped, WorkspacePhase.Stopped, "Stopped", null, null, null,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, null, $"/workspaces/{id}");

    private sealed class FakeDashboardClient : IDashboardClient
    {
        private readonly Channel<WorkspaceChange> _changes = Channel.CreateUnbounded<WorkspaceChange>();

        public DashboardSnapshot Snapshot { get; set; } = new([], []);

        public string? SnapshotFor { get; private set; }

        public string? WatchedFor { get; private set; }

        public TaskCompletionSource Watching { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource WatchEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public ValueTask PublishAsync(WorkspaceChange change) => _changes.Writer.WriteAsync(change);

        public Task<DashboardSnapshot> GetSnapshotAsync(string userId, CancellationToken cancellationToken)
        {
            SnapshotFor = userId;
            return Task.FromResult(Snapshot);
        }

        public async IAsyncEnumerable<WorkspaceChange> WatchAsync(string userId, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            WatchedFor = userId;
            Watching.TrySetResult();
            try
            {
                while (await _changes.Reader.WaitToReadAsync(cancellationToken))
                {
                    while (_changes.Reader.TryRead(out var change))
                    {
                        yield return change;
                    }
                }
            }
            finally
            {
                WatchEnded.TrySetResult();
            }
        }

        public string? TaskProblem(WorkspaceView workspace) => null;

        public Task<Outcome<WorkspaceView>> CreateAsync(string userId, string? repositoryUrl, string? gitRef, CancellationToken cancellationToken) =>
            Task.FromResult(Outcome<WorkspaceView>.Invalid("repositoryUrl", "Not in this test."));

        public Task<Outcome<WorkspaceView>> StartAsync(string userId, string workspaceId, CancellationToken cancellationToken) => Refused();

        public Task<Outcome<WorkspaceView>> StopAsync(string userId, string workspaceId, CancellationToken cancellationToken) => Refused();

        public Task<Outcome<WorkspaceView>> RestartAsync(string userId, string workspaceId, CancellationToken cancellationToken) => Refused();

        public Task<Outcome<WorkspaceView>> DeleteAsync(string userId, string workspaceId, CancellationToken cancellationToken) => Refused();

        public Task<WorkspaceGitView?> CheckGitAsync(string userId, string workspaceId, CancellationToken cancellationToken) => Task.FromResult<WorkspaceGitView?>(null);

        private static Task<Outcome<WorkspaceView>> Refused() => Task.FromResult(Outcome<WorkspaceView>.Forbidden("Not in this test."));
    }
}
