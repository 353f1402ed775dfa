using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Workspaces.Data.Prebuilds;
using Workspaces.Web.Authorization;
using Workspaces.Web.Prebuilds;

namespace Workspaces.Web.Tests.Prebuilds;

/// <summary>
/// The project page's prebuilds card against a hand-written <see cref="IProjectPrebuildsClient"/>. Time stands still
/// (a fake clock), so the page's refresh interval never fires: what appears comes from the pushed log growth.
/// </summary>
public sealed class ProjectPrebuildsTests : BunitContext
{
    private const string UserId = "user-1";
    private const string ProjectId = "project-1";
    private readonly FakePrebuildsClient _client = new();

    public ProjectPrebuildsTests()
    {
        Services.AddSingleton<IProjectPrebuildsClient>(_client);
        Services.AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UnixEpoch));
        JSInterop.Mode = JSRuntimeMode.Loose;
        // Last: it starts the renderer, after which no service may be added.
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public async Task Log_OfARunningPrebuild_GrowsOnThePageWithoutAReload()
    {
        _client.Append("Prebuild of app main (manual)\n=== app ===\nfirst-line-of-init\n");
        var page = Render<ProjectPrebuilds>(p => p.Add(c => c.ProjectId, ProjectId).Add(c => c.UserId, UserId));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#prebuild-list")), TimeSpan.FromSeconds(10));

        await page.Find("tr[data-prebuild='pb-1'] button").ClickAsync(new());
        page.WaitForAssertion(() => Assert.Contains("first-line-of-init", page.Find("#prebuild-log").TextContent, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        await _client.Watching.Task.WaitAsync(TimeSpan.FromSeconds(10));

        _client.Append("second-line-of-init\n");

        page.WaitForAssertion(
            () => Assert.Equal("Prebuild of app main (manual)\n=== app ===\nfirst-line-of-init\nsecond-line-of-init\n", page.Find("#prebuild-log").TextContent),
            TimeSpan.FromSeconds(10));
        Assert.Equal([-1L, _client.LengthBefore("second-line-of-init\n")], _client.LogOffsets);
    }

    [Fact]
    public async Task Log_Disposed_StopsWatching()
    {
        var page = Render<ProjectPrebuilds>(p => p.Add(c => c.ProjectId, ProjectId).Add(c => c.UserId, UserId));
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#prebuild-list")), TimeSpan.FromSeconds(10));
        await page.Find("tr[data-prebuild='pb-1'] button").ClickAsync(new());
        await _client.Watching.Task.WaitAsync(TimeSpan.FromSeconds(10));

        await DisposeComponentsAsync();

        await _client.WatchEnded.Task.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private sealed class FakePrebuildsClient : IProjectPrebuildsClient
    {
        private readonly Channel<long> _growth = Channel.CreateUnbounded<long>();
        private string _log = "";

        public TaskCompletionSource Watching { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource WatchEnded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<long> LogOffsets { get; } = [];

        public void Append(string text)
        {
            _log += text;
            _growth.Writer.TryWrite(_log.Length);
        }

        public long LengthBefore(string text) => _log.LastIndexOf(text, StringComparison.Ordinal);

        public Task<Outcome<ProjectPrebuildsView>> GetAsync(string userId, string projectId, CancellationToken cancellationToken)
        {
            var settings = new PrebuildSettingsView(true, "main", 1, 100, 3, $"/api/webhooks/projects/{projectId}", null);
            var running = new PrebuildView("pb-1", "main", null, PrebuildStatus.Running, "manual", null, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null, 1, null, null);
            return Task.FromResult(Outcome<ProjectPrebuildsView>.Ok(new ProjectPrebuildsView(settings, [running], 0, CanEdit: false)));
        }

        public Task<Outcome<PrebuildLogView>> GetLogAsync(string userId, string projectId, string prebuildId, long offset, CancellationToken cancellationToken)
        {
            Assert.Equal((UserId, ProjectId, "pb-1"), (userId, projectId, prebuildId));
            LogOffsets.Add(offset);
            var from = (int)Math.Clamp(offset, 0, _log.Length);
            return Task.FromResult(Outcome<PrebuildLogView>.Ok(new PrebuildLogView(_log[from..], _log.Length, PrebuildStatus.Running)));
        }

        public async IAsyncEnumerable<long> WatchLogAsync(string prebuildId, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            // What was there before the page watched is in its first read.
            while (_growth.Reader.TryRead(out _))
            {
            }

            Watching.TrySetResult();
            try
            {
                await foreach (var length in _growth.Reader.ReadAllAsync(cancellationToken))
                {
                    yield return length;
                }
            }
            finally
            {
                WatchEnded.TrySetResult();
            }
        }

        public Task<Outcome<ProjectPrebuildsView>> UpdateSettingsAsync(string userId, string projectId, PrebuildSettingsRequest request, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Not used by these tests.");

        public Task<Outcome<PrebuildView>> RunNowAsync(string userId, string projectId, string? branch, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("Not used by these tests.");
    }
}
