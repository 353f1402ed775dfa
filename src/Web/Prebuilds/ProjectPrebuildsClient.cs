using Workspaces.Web.Authorization;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// What the project page's prebuilds card shows and does: the project's prebuilds and a log read from an offset (the
/// snapshot), plus the growth of a running prebuild's log on this replica (the stream), so a test drives the page
/// with a hand-written fake.
/// </summary>
public interface IProjectPrebuildsClient
{
    Task<Outcome<ProjectPrebuildsView>> GetAsync(string userId, string projectId, CancellationToken cancellationToken);

    Task<Outcome<ProjectPrebuildsView>> UpdateSettingsAsync(string userId, string projectId, PrebuildSettingsRequest request, CancellationToken cancellationToken);

    Task<Outcome<PrebuildView>> RunNowAsync(string userId, string projectId, string? branch, CancellationToken cancellationToken);

    Task<Outcome<PrebuildLogView>> GetLogAsync(string userId, string projectId, string prebuildId, long offset, CancellationToken cancellationToken);

    /// <summary>Each time the log grows on this replica (the lengths it reaches); nothing for a prebuild that runs elsewhere.</summary>
    IAsyncEnumerable<long> WatchLogAsync(string prebuildId, CancellationToken cancellationToken);
}

public sealed class ProjectPrebuildsClient(PrebuildService prebuilds, PrebuildLogFeed feed) : IProjectPrebuildsClient
{
    public Task<Outcome<ProjectPrebuildsView>> GetAsync(string userId, string projectId, CancellationToken cancellationToken) =>
        prebuilds.GetAsync(userId, projectId, cancellationToken);

    public Task<Outcome<ProjectPrebuildsView>> UpdateSettingsAsync(string userId, string projectId, PrebuildSettingsRequest request, CancellationToken cancellationToken) =>
        prebuilds.UpdateSettingsAsync(userId, projectId, request, cancellationToken);

    public Task<Outcome<PrebuildView>> RunNowAsync(string userId, string projectId, string? branch, CancellationToken cancellationToken) =>
        prebuilds.RunNowAsync(userId, projectId, branch, cancellationToken);

    public Task<Outcome<PrebuildLogView>> GetLogAsync(string userId, string projectId, string prebuildId, long offset, CancellationToken cancellationToken) =>
        prebuilds.GetLogAsync(userId, projectId, prebuildId, offset, cancellationToken);

    // The stream only says "read again": what is read goes through GetLogAsync and its access check.
    public IAsyncEnumerable<long> WatchLogAsync(string prebuildId, CancellationToken cancellationToken) => feed.WatchAsync(prebuildId, cancellationToken);
}
