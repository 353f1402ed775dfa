using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Prebuilds;
using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// Turns triggers (a push, "Run prebuild now") into queued prebuilds, one per commit: a second trigger for a commit that
/// has a prebuild waiting, running or done gets that one.
/// </summary>
public sealed partial class PrebuildTriggers(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    PrebuildQueue queue,
    IServiceProvider services,
    TimeProvider timeProvider,
    ILogger<PrebuildTriggers> logger) : IDisposable
{
    // Queuing is check-then-insert; one at a time keeps two deliveries of one push from making two prebuilds.
    private readonly SemaphoreSlim _queueing = new(1, 1);

    public void Dispose() => _queueing.Dispose();

    /// <summary>Why a project cannot prebuild now (off, or a runtime without snapshots); null when it can.</summary>
    public async Task<string?> UnavailableReasonAsync(string projectId, CancellationToken cancellationToken)
    {
        if (services.GetService<IPrebuildSnapshots>() is null)
        {
            return "Prebuilds need snapshot storage, which this server does not have: on Kubernetes, set Workspaces:Runtime:Kubernetes:Prebuilds:Storage to VolumeSnapshot with the VolumeSnapshotClass of the workspaces' storage driver (chart: prebuilds.storage).";
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.ProjectPrebuildSettings.AnyAsync(s => s.ProjectId == projectId && s.Enabled, cancellationToken)
            ? null
            : "Prebuilds are off for this project: turn them on in its prebuild settings.";
    }

    public async Task<Prebuild> QueueAsync(string projectId, string branch, string? commit, string trigger, CancellationToken cancellationToken)
    {
        await _queueing.WaitAsync(cancellationToken);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var existing = commit is not null
                ? await db.Prebuilds.AsNoTracking().Where(p => p.ProjectId == projectId && p.Commit == commit
                        && (p.Status == PrebuildStatus.Queued || p.Status == PrebuildStatus.Running || p.Status == PrebuildStatus.Succeeded))
                    .OrderByDescending(p => p.CreatedAt).FirstOrDefaultAsync(cancellationToken)
                : await db.Prebuilds.AsNoTracking().Where(p => p.ProjectId == projectId && p.Branch == branch
                        && (p.Status == PrebuildStatus.Queued || p.Status == PrebuildStatus.Running))
                    .OrderByDescending(p => p.CreatedAt).FirstOrDefaultAsync(cancellationToken);
            if (existing is not null)
            {
                return existing;
            }

            var prebuild = new Prebuild
            {
                Id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
                ProjectId = projectId,
                Branch = branch,
                Commit = commit,
                Trigger = trigger,
                Status = PrebuildStatus.Queued,
                CreatedAt = timeProvider.GetUtcNow(),
            };
            db.Prebuilds.Add(prebuild);
            await db.SaveChangesAsync(cancellationToken);
            queue.Add(prebuild.Id);
            LogQueued(prebuild.Id, projectId, branch, trigger);
            return prebuild;
        }
        finally
        {
            _queueing.Release();
        }
    }

    /// <summary>A verified push: queues a prebuild when the project wants one for it; says what happened.</summary>
    /// <param name="defaultBranch">The repository's default branch as the host said it, for projects without patterns or a default branch of their own.</param>
    public async Task<PushResult> OnPushAsync(string projectId, string branch, string commit, int commits, string? defaultBranch, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var settings = await db.ProjectPrebuildSettings.FirstOrDefaultAsync(s => s.ProjectId == projectId, cancellationToken);
        var project = await db.Projects.AsNoTracking().FirstAsync(p => p.Id == projectId, cancellationToken);
        if (settings is not { Enabled: true })
        {
            return new PushResult(null, "Prebuilds are off for this project; the push was ignored.");
        }

        var projectDefault = project.DefaultBranch ?? defaultBranch;
        if (!BranchPatterns.Matches(settings.BranchPatterns, branch, projectDefault))
        {
            return new PushResult(null, $"The branch {branch} matches none of the project's prebuild branch patterns; the push was ignored.");
        }

        var pending = ParsePending(settings.PendingCommits);
        var count = pending.GetValueOrDefault(branch) + Math.Max(1, commits);
        if (count < settings.EveryNthCommit)
        {
            pending[branch] = count;
            settings.PendingCommits = FormatPending(pending);
            await db.SaveChangesAsync(cancellationToken);
            return new PushResult(null, $"{count} of {settings.EveryNthCommit} commits since the last prebuild of {branch}; no prebuild yet.");
        }

        pending.Remove(branch);
        settings.PendingCommits = FormatPending(pending);
        await db.SaveChangesAsync(cancellationToken);
        // A project without a default branch of its own names the host's default "" (what its workspaces ask for).
        var recorded = project.DefaultBranch is null && branch == defaultBranch ? "" : branch;
        var prebuild = await QueueAsync(projectId, recorded, commit, "push", cancellationToken);
        return new PushResult(prebuild, $"Prebuild {prebuild.Id} of {commit} queued.");
    }

    private static Dictionary<string, int> ParsePending(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .Where(parts => parts.Length == 2 && int.TryParse(parts[1], CultureInfo.InvariantCulture, out _))
            .ToDictionary(parts => parts[0], parts => int.Parse(parts[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);

    private static string FormatPending(Dictionary<string, int> pending) =>
        string.Join('\n', pending.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key}\t{p.Value}")));

    [LoggerMessage(Level = LogLevel.Information, Message = "Prebuild {PrebuildId} of project {ProjectId} ({Branch}) queued by {Trigger}")]
    private partial void LogQueued(string prebuildId, string projectId, string branch, string trigger);
}

/// <param name="Prebuild">The prebuild queued (or already there for the commit); null when the push was ignored.</param>
public sealed record PushResult(Prebuild? Prebuild, string Message);
