using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Web.Agents;
using Workspaces.Shared.Repositories;
using Workspaces.Web.Credentials;
using Workspaces.Web.Hosting;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Workspaces;

/// <summary>Starts a workspace's agent through the runtime and records the start with its timings.</summary>
public sealed partial class WorkspaceLauncher(
    IWorkspaceRuntime runtime,
    GitCredentialService credentials,
    global::Workspaces.Web.Variables.WorkspaceEnvironment environments,
    AgentSecrets agentSecrets,
    AgentWatches watches,
    WorkspaceStatusFeed feed,
    WorkspaceTelemetry telemetry,
    TimeProvider timeProvider,
    Microsoft.Extensions.Options.IOptions<Editor.EditorOptions> editor,
    Microsoft.Extensions.Options.IOptions<Editor.LanguagesOptions> languages,
    Repositories.RepositoryGuard repositories,
    ClusterAccess.ClusterAccessService clusterAccess,
    Prebuilds.PrebuildStarts prebuilds,
    ILogger<WorkspaceLauncher> logger)
{
    public async Task LaunchAsync(WorkspacesDbContext db, WorkspaceRecord workspace, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await db.WorkspaceStarts.Where(s => s.WorkspaceId == workspace.Id && s.EndedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.Outcome, x => x.Outcome ?? WorkspacePhase.Stopped), cancellationToken);
        var start = new WorkspaceStart { WorkspaceId = workspace.Id, RequestedAt = LatestRequest(workspace, now), LaunchedAt = now };
        db.WorkspaceStarts.Add(start);
        await db.SaveChangesAsync(cancellationToken);

        var claimed = await db.Workspaces.Where(w => w.Id == workspace.Id && w.Generation == workspace.Generation && w.DesiredState == DesiredState.Running).ExecuteUpdateAsync(
            s => s.SetProperty(w => w.Phase, WorkspacePhase.StartingAgent)
                .SetProperty(w => w.Progress, (double?)null)
                .SetProperty(w => w.ErrorCode, (AgentErrorCode?)null)
                .SetProperty(w => w.ErrorMessage, (string?)null)
                .SetProperty(w => w.ErrorAdvice, (string?)null)
                .SetProperty(w => w.ReadyAt, (DateTimeOffset?)null)
                .SetProperty(w => w.LastStartedAt, now)
                .SetProperty(w => w.ObservedGeneration, workspace.Generation),
            cancellationToken);
        if (claimed == 0)
        {
            // The user changed their mind meanwhile; the queue brings the workspace back with the new intent.
            return;
        }

        feed.ForgetAgentStatus(workspace.Id);
        feed.PublishUpdated(workspace.Id, workspace.OwnerId);

        var secret = agentSecrets.Reveal(workspace);
        RuntimeObservation observed;
        using var traced = telemetry.Launching(workspace.Id, start.RequestedAt, now);
        try
        {
            RepositoryReference.TryParse(workspace.RepositoryUrl, null, out var reference, out _);
            // Checked again at every start: a link made after the workspace was created could point into the data directory now.
            if (reference is not null && repositories.LocalPathProblem(reference) is { } localProblem)
            {
                await FailAsync(db, workspace, start, AgentErrorCode.InvalidRepositoryUrl, localProblem, "Create the workspace from another path or an https:// URL.", cancellationToken);
                return;
            }

            var credential = await credentials.FindForHostAsync(workspace.OwnerId, reference?.Host, cancellationToken);
            // The agent clones URLs only; a local path becomes its file:// URL.
            var cloneUrl = reference?.Kind == RepositoryReferenceKind.LocalPath ? new Uri(workspace.RepositoryUrl).AbsoluteUri : workspace.RepositoryUrl;
            var environment = await environments.BuildAsync(workspace, cancellationToken);
            var project = workspace.ProjectId is null ? null
                : await db.Projects.AsNoTracking().Where(p => p.Id == workspace.ProjectId).Select(p => new { p.Image, p.WorkspaceClass }).FirstOrDefaultAsync(cancellationToken);
            var launch = new WorkspaceLaunch(
                workspace.Id, cloneUrl, workspace.Ref, workspace.CheckoutDirectoryName, secret, credential, environment.Variables, environment.Files, environment.DotfilesRepository,
                new EditorLimits(editor.Value.SoftLimitBytes, editor.Value.HardLimitBytes))
            {
                OwnerId = workspace.OwnerId,
                RepositoryNetwork = repositories.Network,
                Languages = languages.Value.ToSettings(),
                Image = string.IsNullOrWhiteSpace(project?.Image) ? null : project.Image.Trim(),
                WorkspaceClass = string.IsNullOrWhiteSpace(project?.WorkspaceClass) ? null : project.WorkspaceClass.Trim(),
                Telemetry = telemetry.ForAgent(workspace.Id),
                ClusterAccess = await clusterAccess.ForLaunchAsync(workspace.ProjectId, workspace.Id, cancellationToken),
                Prebuild = await prebuilds.PrepareAsync(db, workspace, cancellationToken),
            };
            observed = await runtime.StartAsync(launch, cancellationToken);
        }
        catch (WorkspaceRuntimeException e)
        {
            LogStartFailed(e, workspace.Id);
            await FailAsync(db, workspace, start, AgentErrorCode.AgentFailedToStart, e.Message, "Press Retry. If it fails again, the server's log says more. Your files are kept.", cancellationToken);
            return;
        }

        var listening = timeProvider.GetUtcNow();
        await db.WorkspaceStarts.Where(s => s.Id == start.Id).ExecuteUpdateAsync(s => s.SetProperty(x => x.AgentStartedAt, listening), cancellationToken);
        watches.Ensure(workspace, observed.AgentUrl!, secret);
    }

    // The start was asked for when the generation last changed, which also marked the workspace active.
    private static DateTimeOffset LatestRequest(WorkspaceRecord workspace, DateTimeOffset now) =>
        workspace.LastActiveAt <= now && workspace.LastActiveAt > now - TimeSpan.FromMinutes(5) ? workspace.LastActiveAt : now;

    private async Task FailAsync(WorkspacesDbContext db, WorkspaceRecord workspace, WorkspaceStart start, AgentErrorCode code, string message, string advice, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        await db.Workspaces.Where(w => w.Id == workspace.Id && w.Generation == workspace.Generation).ExecuteUpdateAsync(
            s => s.SetProperty(w => w.Phase, WorkspacePhase.Failed)
                .SetProperty(w => w.ErrorCode, code)
                .SetProperty(w => w.ErrorMessage, message)
                .SetProperty(w => w.ErrorAdvice, advice),
            cancellationToken);
        await db.WorkspaceStarts.Where(s => s.Id == start.Id).ExecuteUpdateAsync(
            s => s.SetProperty(x => x.EndedAt, now).SetProperty(x => x.Outcome, WorkspacePhase.Failed).SetProperty(x => x.ErrorCode, code),
            cancellationToken);
        telemetry.Ended(start, WorkspacePhase.Failed, code, fromPrebuild: false);
        feed.PublishUpdated(workspace.Id, workspace.OwnerId);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The agent of workspace {WorkspaceId} failed to start")]
    private partial void LogStartFailed(Exception exception, string workspaceId);
}
