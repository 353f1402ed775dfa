using System.Diagnostics;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Prebuilds;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Prebuilds;
using Workspaces.WorkspaceController.Prebuilds;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// The first start of a project's workspace: restores the newest successful prebuild of its branch into the new
/// workspace before the agent starts (the agent then checks in Git history that it is an ancestor within the project's
/// limit, fetches and checks out the head). Never waits for a running prebuild; a snapshot that cannot be restored marks
/// its prebuild bad and the workspace starts normally. What happened is a workspace event, shown on the start screen.
/// </summary>
public sealed partial class PrebuildStarts(IServiceProvider services, PrebuildLogs logs, TimeProvider timeProvider, ILogger<PrebuildStarts> logger)
{
    public const string RestoredEvent = "prebuild";
    public const string SkippedEvent = "prebuild-skipped";
    public const string FailedEvent = "prebuild-failed";

    public async Task<PrebuildBootstrap?> PrepareAsync(WorkspacesDbContext db, WorkspaceRecord workspace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(workspace);
        if (workspace.ProjectId is not { } projectId || services.GetService<IPrebuildSnapshots>() is not { } snapshots
            || snapshots.HasCheckout(workspace.Id, workspace.CheckoutDirectoryName))
        {
            return null;
        }

        var settings = await db.ProjectPrebuildSettings.AsNoTracking().FirstOrDefaultAsync(s => s.ProjectId == projectId && s.Enabled, cancellationToken);
        if (settings is null)
        {
            return null;
        }

        var branch = workspace.Ref ?? "";
        var prebuild = await db.Prebuilds.AsNoTracking()
            .Where(p => p.ProjectId == projectId && p.Branch == branch && p.Status == PrebuildStatus.Succeeded && p.Commit != null)
            .OrderByDescending(p => p.CreatedAt)
            .FirstOrDefaultAsync(cancellationToken);
        var running = await db.Prebuilds.AnyAsync(p => p.ProjectId == projectId && p.Branch == branch && (p.Status == PrebuildStatus.Queued || p.Status == PrebuildStatus.Running), cancellationToken);
        if (prebuild is null)
        {
            if (running)
            {
                await AddEventAsync(db, workspace.Id, SkippedEvent, "A prebuild of this branch is in progress; this workspace starts without it and runs init itself.", cancellationToken);
            }

            return null;
        }

        var watch = Stopwatch.StartNew();
        try
        {
            await snapshots.RestoreAsync(prebuild.Id, workspace.Id, workspace.CheckoutDirectoryName, cancellationToken);
        }
        catch (SnapshotUnusableException e)
        {
            LogRestoreFailed(e, prebuild.Id, workspace.Id);
            await db.Prebuilds.Where(p => p.Id == prebuild.Id).ExecuteUpdateAsync(
                s => s.SetProperty(p => p.Status, PrebuildStatus.Bad).SetProperty(p => p.Message, e.Message), cancellationToken);
            await logs.AppendAsync(prebuild.Id, $"\nMarked bad: {e.Message}\n", cancellationToken);
            await snapshots.DeleteAsync(prebuild.Id, cancellationToken);
            await AddEventAsync(db, workspace.Id, FailedEvent, $"Prebuild {PrebuildReport.ShortCommit(prebuild.Commit!)} could not be restored ({e.Message}); it is marked bad and this workspace starts normally.", cancellationToken);
            return null;
        }

        var elapsed = watch.ElapsedMilliseconds;
        var note = string.Create(CultureInfo.InvariantCulture, $"Restored prebuild {PrebuildReport.ShortCommit(prebuild.Commit!)} in {elapsed / 1000.0:0.0} s.");
        await AddEventAsync(db, workspace.Id, RestoredEvent, running ? note + " A newer prebuild of this branch is in progress." : note, cancellationToken);
        LogRestored(prebuild.Id, workspace.Id, elapsed);
        return new PrebuildBootstrap(Headless: false, Commit: null, prebuild.Id, prebuild.Commit, settings.MaxCommitsBehind, elapsed);
    }

    private async Task AddEventAsync(WorkspacesDbContext db, string workspaceId, string kind, string message, CancellationToken cancellationToken)
    {
        db.WorkspaceEvents.Add(new WorkspaceEvent { WorkspaceId = workspaceId, At = timeProvider.GetUtcNow(), Kind = kind, Message = message });
        await db.SaveChangesAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Restored prebuild {PrebuildId} into workspace {WorkspaceId} in {ElapsedMs} ms")]
    private partial void LogRestored(string prebuildId, string workspaceId, long elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prebuild {PrebuildId} could not be restored into workspace {WorkspaceId}; marked bad")]
    private partial void LogRestoreFailed(Exception exception, string prebuildId, string workspaceId);
}
