using System.Globalization;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Prebuilds;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Prebuilds;
using Workspaces.Shared.Repositories;
using Workspaces.Web.Agents;
using Workspaces.Web.Repositories;
using Workspaces.WorkspaceController.Prebuilds;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// Runs one prebuild: a headless workspace of the project (its variables and secrets, nobody's own settings) that clones
/// the commit and runs <c>before</c> and <c>init</c>; then its checkout is snapshotted and the workspace removed. The log
/// is copied from the agent as it grows. Every ending is recorded: succeeded, failed (why), timed out, too large.
/// </summary>
public sealed partial class PrebuildRunner(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    IWorkspaceRuntime runtime,
    IPrebuildSnapshots snapshots,
    AgentClient agents,
    PrebuildEnvironment environment,
    PrebuildLogs logs,
    RepositoryGuard repositories,
    IOptions<PrebuildOptions> options,
    TimeProvider timeProvider,
    ILogger<PrebuildRunner> logger)
{
    private static readonly TimeSpan StatusWait = TimeSpan.FromSeconds(2);

    /// <summary>The runtime's workspace id of a prebuild (never a user's workspace id, which has no such prefix).</summary>
    public static string RuntimeId(string prebuildId) => "prebuild-" + prebuildId;

    public async Task RunAsync(string prebuildId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        // Claimed atomically: a prebuild runs once, whoever dequeues it.
        if (await db.Prebuilds.Where(p => p.Id == prebuildId && p.Status == PrebuildStatus.Queued)
                .ExecuteUpdateAsync(s => s.SetProperty(p => p.Status, PrebuildStatus.Running).SetProperty(p => p.StartedAt, now), cancellationToken) == 0)
        {
            return;
        }

        var prebuild = await db.Prebuilds.AsNoTracking().FirstAsync(p => p.Id == prebuildId, cancellationToken);
        var project = await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == prebuild.ProjectId, cancellationToken);
        var settings = await db.ProjectPrebuildSettings.AsNoTracking().FirstOrDefaultAsync(s => s.ProjectId == prebuild.ProjectId, cancellationToken);
        if (project is null || settings is null)
        {
            return;
        }

        var workspaceId = RuntimeId(prebuildId);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.Value.TimeLimit);
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var projectSecrets = await environment.SecretMaskAsync(project.Id, cancellationToken);
        await using var log = await logs.OpenWriterAsync(prebuildId, projectSecrets.With(secret), cancellationToken);
        await log.AppendAsync($"Prebuild of {project.RepositoryUrl} {prebuild.Branch}{(prebuild.Commit is { } c ? " at " + c : "")} ({prebuild.Trigger}), {now.ToString("u", CultureInfo.InvariantCulture)}\n", cancellationToken);
        await log.FlushAsync(cancellationToken);
        LogStarted(prebuildId, project.Id, prebuild.Branch);
        PrebuildStatus status;
        string? message = null;
        long? size = null;
        string? storage = null;
        try
        {
            if (!RepositoryReference.TryParse(project.RepositoryUrl, null, out var reference, out var parseError))
            {
                throw new PrebuildFailedException(parseError ?? "The project's repository URL is not valid.");
            }

            if (repositories.LocalPathProblem(reference) is { } localProblem)
            {
                throw new PrebuildFailedException(localProblem);
            }

            var cloneUrl = reference.Kind == RepositoryReferenceKind.LocalPath ? new Uri(project.RepositoryUrl).AbsoluteUri : project.RepositoryUrl;
            var (variables, files) = await environment.BuildAsync(project.Id, limit.Token);
            var launch = new WorkspaceLaunch(workspaceId, cloneUrl, prebuild.Branch, reference.SuggestedDirectoryName, secret, GitCredential: null, variables, files)
            {
                RepositoryNetwork = repositories.Network,
                Image = string.IsNullOrWhiteSpace(project.Image) ? null : project.Image.Trim(),
                WorkspaceClass = string.IsNullOrWhiteSpace(project.WorkspaceClass) ? null : project.WorkspaceClass.Trim(),
                Prebuild = new PrebuildBootstrap(Headless: true, prebuild.Commit, null, null, 0, 0),
            };
            var observed = await runtime.StartAsync(launch, limit.Token);
            var commit = await FollowAsync(log, observed.AgentUrl!, secret, limit.Token);
            await db.Prebuilds.Where(p => p.Id == prebuildId).ExecuteUpdateAsync(s => s.SetProperty(p => p.Commit, commit), cancellationToken);
            await runtime.StopAsync(workspaceId, limit.Token);
            await log.AppendAsync("\nSnapshotting the checkout…\n", cancellationToken);
            await log.FlushAsync(cancellationToken);
            var snapshot = await snapshots.SnapshotAsync(workspaceId, reference.SuggestedDirectoryName, prebuildId, options.Value.MaxSnapshotBytes, limit.Token);
            await log.AppendAsync(string.Create(CultureInfo.InvariantCulture, $"Snapshot stored ({snapshot.Storage}): {snapshot.Files} files, {snapshot.SizeBytes / 1048576.0:0.0} MiB, {snapshot.StoredBytes / 1048576.0:0.0} MiB on disk.\n"), cancellationToken);
            (status, size, storage) = (PrebuildStatus.Succeeded, snapshot.StoredBytes, snapshot.Storage);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            (status, message) = (PrebuildStatus.TimedOut, string.Create(CultureInfo.InvariantCulture, $"Stopped at the time limit of {options.Value.TimeLimit.TotalMinutes:0.#} minutes (Workspaces:Prebuilds:TimeLimit)."));
        }
        catch (SnapshotTooLargeException e)
        {
            (status, message, size) = (PrebuildStatus.TooLarge, e.Message, e.SizeBytes);
        }
        catch (Exception e) when (e is PrebuildFailedException or WorkspaceRuntimeException or HttpRequestException or IOException or UnauthorizedAccessException)
        {
            LogFailed(e, prebuildId);
            (status, message) = (PrebuildStatus.Failed, e.Message);
        }
        finally
        {
            // The headless workspace goes in every case, before the end is recorded: it held the project's secrets and
            // only its snapshot is kept. (Cut short by a shutdown, the record stays running and the next start fails it.)
            await runtime.DeleteAsync(workspaceId, CancellationToken.None);
        }

        await EndAsync(prebuildId, log, status, message, size, storage, cancellationToken);
    }

    /// <summary>Follows the agent until its tasks are prepared, copying their output into the log; returns the commit.</summary>
    private async Task<string?> FollowAsync(PrebuildLogWriter log, Uri agentUrl, string secret, CancellationToken cancellationToken)
    {
        var offsets = new Dictionary<int, long>();
        long after = 0;
        while (true)
        {
            var status = await agents.GetStatusAsync(agentUrl, secret, after, StatusWait, cancellationToken);
            after = status.Version;
            await CopyLogsAsync(log, agentUrl, secret, status, offsets, cancellationToken);
            if (status.Phase == WorkspacePhase.Failed)
            {
                throw new PrebuildFailedException(status.Error?.Message ?? "The prebuild's workspace failed.");
            }

            if (status.Phase == WorkspacePhase.Ready)
            {
                if (status.Tasks.FirstOrDefault(t => t.State == TaskRunState.Failed) is { } failed)
                {
                    throw new PrebuildFailedException($"The task \"{failed.Name}\" failed in its {failed.Step} step (exit code {failed.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? "unknown"}).");
                }

                if (status.Config is { Errors.Count: > 0 } config)
                {
                    await log.AppendAsync("Configuration problems: " + string.Join("; ", config.Errors) + "\n", cancellationToken);
                }

                return status.Prebuild?.Commit;
            }
        }
    }

    private async Task CopyLogsAsync(PrebuildLogWriter log, Uri agentUrl, string secret, AgentStatus status, Dictionary<int, long> offsets, CancellationToken cancellationToken)
    {
        foreach (var task in status.Tasks.Where(t => t.State != TaskRunState.Pending))
        {
            var offset = offsets.GetValueOrDefault(task.Index);
            var chunk = await agents.GetTaskLogAsync(agentUrl, secret, task.Index, offset, cancellationToken);
            if (chunk.Text.Length > 0)
            {
                var header = offset == 0 ? $"\n=== {task.Name} ===\n" : "";
                await log.AppendAsync(header + chunk.Text, cancellationToken);
            }

            offsets[task.Index] = chunk.Length;
        }

        // One batch per round: what every task wrote since the last one.
        await log.FlushAsync(cancellationToken);
    }

    private async Task EndAsync(string prebuildId, PrebuildLogWriter log, PrebuildStatus status, string? message, long? size, string? storage, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        await db.Prebuilds.Where(p => p.Id == prebuildId).ExecuteUpdateAsync(
            s => s.SetProperty(p => p.Status, status)
                .SetProperty(p => p.Message, message == null ? null : message.Length > FieldLengths.Message ? message.Substring(0, FieldLengths.Message) : message)
                .SetProperty(p => p.SizeBytes, size)
                .SetProperty(p => p.Storage, storage)
                .SetProperty(p => p.EndedAt, now),
            cancellationToken);
        if (message is not null)
        {
            await log.AppendAsync($"\n{status}: {message}\n", cancellationToken);
        }

        await log.CompleteAsync(cancellationToken);

        LogEnded(prebuildId, status);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Prebuild {PrebuildId} of project {ProjectId} ({Branch}) started")]
    private partial void LogStarted(string prebuildId, string projectId, string branch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Prebuild {PrebuildId} ended: {Status}")]
    private partial void LogEnded(string prebuildId, PrebuildStatus status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Prebuild {PrebuildId} failed")]
    private partial void LogFailed(Exception exception, string prebuildId);
}

/// <summary>A prebuild ended in failure for a reason its message states.</summary>
public sealed class PrebuildFailedException(string message) : Exception(message);
