using LibGit2Sharp;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Prebuilds;
using Workspaces.Shared.Repositories;
using Workspaces.WorkspaceAgent.Cloning;

namespace Workspaces.WorkspaceAgent.Prebuilds;

/// <summary>
/// The Git side of prebuilds. A headless prebuild checks out the commit it was asked for and reports it. A workspace
/// restored from a prebuild fetches, checks (in the repository's history, never by dates) that the prebuild's commit is
/// an ancestor of the branch's head within the allowed distance, and checks the head out; when it is not, the restored
/// checkout is removed and the caller clones as usual.
/// </summary>
public sealed partial class PrebuildCheckout(AgentBootstrap bootstrap, WorkspaceLayout layout, ILogger<PrebuildCheckout> logger)
{
    /// <summary>
    /// For a new workspace whose prebuild is an archive in an object store (Kubernetes without CSI snapshots): downloads
    /// and extracts it as the checkout. Returns why it could not (the caller clones), or null.
    /// </summary>
    public async Task<string?> RestoreArchiveAsync(Uri archiveUrl, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            await PrebuildArchive.DownloadAsync(http, archiveUrl, layout.CheckoutDirectory, cancellationToken);
            LogArchiveRestored(logger, watch.ElapsedMilliseconds);
            return null;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            LogArchiveNotRestored(logger, e);
            return e.Message;
        }
    }

    /// <summary>The report of a prebuild whose archive could not be restored: the workspace was cloned and runs init.</summary>
    public PrebuildReport NotRestored(PrebuildBootstrap prebuild, string problem)
    {
        ArgumentNullException.ThrowIfNull(prebuild);
        string head;
        using (var repository = new Repository(layout.CheckoutDirectory))
        {
            head = repository.Head.Tip?.Sha ?? "";
        }

        var from = prebuild.FromCommit ?? "";
        return new PrebuildReport(head, prebuild.FromPrebuildId, from, false, null, $"Prebuild {PrebuildReport.ShortCommit(from)} was not used: {problem}; the repository was cloned instead.");
    }

    /// <summary>For a headless prebuild whose snapshot is an archive: uploads the checkout once init is done.</summary>
    public async Task UploadArchiveAsync(Uri archiveUrl, CancellationToken cancellationToken)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var bytes = await PrebuildArchive.UploadAsync(http, archiveUrl, layout.CheckoutDirectory, layout.StateDirectory, cancellationToken);
        LogArchiveUploaded(logger, bytes, watch.ElapsedMilliseconds);
    }

    /// <summary>For a headless prebuild: detaches HEAD at the requested commit (when one was named) and reports it.</summary>
    public PrebuildReport PrepareHeadless(PrebuildBootstrap prebuild)
    {
        ArgumentNullException.ThrowIfNull(prebuild);
        using var repository = new Repository(layout.CheckoutDirectory);
        if (prebuild.Commit is { Length: > 0 } wanted)
        {
            var commit = repository.Lookup<Commit>(wanted)
                ?? throw new InvalidOperationException($"Commit {wanted} is not on the branch that was cloned; push it, or run the prebuild for its branch.");
            Commands.Checkout(repository, commit, new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });
        }

        return new PrebuildReport(repository.Head.Tip.Sha, null, null, false, null, null);
    }

    /// <summary>
    /// For a restored checkout: fetches the branch and moves to its head when the prebuild's commit is an ancestor
    /// within <see cref="PrebuildBootstrap.MaxCommitsBehind"/>. Returns the report; when the prebuild cannot be used the
    /// checkout is gone (the caller clones) and the report says why.
    /// </summary>
    public PrebuildReport UpdateRestored(PrebuildBootstrap prebuild, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prebuild);
        var from = prebuild.FromCommit ?? "";
        string? problem;
        int behind = 0;
        string head = from;
        using (var repository = new Repository(layout.CheckoutDirectory))
        {
            problem = Fetch(repository, cancellationToken);
            if (problem is null)
            {
                var branch = CloneRequest.From(bootstrap).BranchName ?? DefaultBranch(repository);
                var target = branch is null ? null : repository.Branches[$"origin/{branch}"]?.Tip;
                var base_ = repository.Lookup<Commit>(from);
                if (target is null || base_ is null)
                {
                    problem = $"the branch {branch ?? "(default)"} or the prebuild's commit is not in the repository";
                }
                else
                {
                    head = target.Sha;
                    var mergeBase = repository.ObjectDatabase.FindMergeBase(base_, target);
                    behind = repository.Commits.QueryBy(new CommitFilter { IncludeReachableFrom = target, ExcludeReachableFrom = base_ }).Take(prebuild.MaxCommitsBehind + 1).Count();
                    if (mergeBase?.Sha != base_.Sha)
                    {
                        problem = $"its commit {PrebuildReport.ShortCommit(from)} is not an ancestor of {PrebuildReport.ShortCommit(head)}";
                    }
                    else if (behind > prebuild.MaxCommitsBehind)
                    {
                        problem = $"its commit is more than {prebuild.MaxCommitsBehind} commits behind {PrebuildReport.ShortCommit(head)}";
                    }
                    else
                    {
                        var local = repository.Branches[branch!] ?? repository.CreateBranch(branch!, target);
                        repository.Refs.UpdateTarget(local.Reference, target.Id, "workspaces: start from prebuild");
                        repository.Branches.Update(local, b => b.Remote = "origin", b => b.UpstreamBranch = $"refs/heads/{branch}");
                        // A Branch is a snapshot: check out the one that points at the head now.
                        Commands.Checkout(repository, repository.Branches[branch!], new CheckoutOptions { CheckoutModifiers = CheckoutModifiers.Force });
                    }
                }
            }
        }

        if (problem is null)
        {
            LogUsed(logger, prebuild.FromPrebuildId, behind);
            return new PrebuildReport(head, prebuild.FromPrebuildId, from, true, behind, null);
        }

        LogNotUsed(logger, prebuild.FromPrebuildId, problem);
        Directory.Delete(layout.CheckoutDirectory, recursive: true);
        return new PrebuildReport(head, prebuild.FromPrebuildId, from, false, null, $"Prebuild {PrebuildReport.ShortCommit(from)} was not used: {problem}; the repository was cloned instead.");
    }

    private string? Fetch(Repository repository, CancellationToken cancellationToken)
    {
        var remote = repository.Network.Remotes["origin"];
        if (remote is null)
        {
            return "the restored checkout has no origin remote";
        }

        // The snapshot's origin is the prebuild's clone URL; this workspace fetches from its own (same project).
        repository.Network.Remotes.Update("origin", r => r.Url = bootstrap.RepositoryUrl);
        using var network = GuardedHttpTransport.Use(bootstrap.RepositoryNetwork ?? RepositoryNetwork.PublicOnly, cancellationToken);
        var options = new FetchOptions
        {
            CredentialsProvider = (_, _, _) => bootstrap.GitCredential is { } c ? new UsernamePasswordCredentials { Username = c.Username, Password = c.Password } : null!,
            OnProgress = _ => !cancellationToken.IsCancellationRequested,
            Prune = true,
        };
        try
        {
            Commands.Fetch(repository, "origin", remote.FetchRefSpecs.Select(s => s.Specification), options, "workspaces: fetch after prebuild restore");
            return null;
        }
        catch (LibGit2SharpException ex)
        {
            return "fetching failed: " + RepositoryUrl.Redact(network.Failure ?? ex.Message);
        }
    }

    private static string? DefaultBranch(Repository repository)
    {
        var originHead = repository.Refs["refs/remotes/origin/HEAD"];
        if (originHead?.TargetIdentifier is { } target && target.StartsWith("refs/remotes/origin/", StringComparison.Ordinal))
        {
            return target["refs/remotes/origin/".Length..];
        }

        return repository.Head.IsTracking ? repository.Head.TrackedBranch.FriendlyName["origin/".Length..] : null;
    }

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Started from prebuild {PrebuildId}, {CommitsBehind} commits behind")]
    private static partial void LogUsed(ILogger logger, string? prebuildId, int commitsBehind);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Prebuild {PrebuildId} not used: {Problem}")]
    private static partial void LogNotUsed(ILogger logger, string? prebuildId, string problem);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Prebuild archive restored in {ElapsedMs} ms")]
    private static partial void LogArchiveRestored(ILogger logger, long elapsedMs);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Warning, Message = "Prebuild archive not restored; cloning instead")]
    private static partial void LogArchiveNotRestored(ILogger logger, Exception exception);

    [LoggerMessage(Level = Microsoft.Extensions.Logging.LogLevel.Information, Message = "Prebuild archive of {Bytes} bytes uploaded in {ElapsedMs} ms")]
    private static partial void LogArchiveUploaded(ILogger logger, long bytes, long elapsedMs);
}
