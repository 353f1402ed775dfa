using System.Diagnostics;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>
/// Makes sure the workspace has its checkout. An existing checkout (a restart after stop) is never touched: it holds the
/// user's uncommitted work. Otherwise the repository is cloned into a scratch directory in the agent's state folder and
/// moved into place only when complete, so a failed or interrupted clone never leaves half a checkout where the user's
/// files go, and a retry starts clean.
/// </summary>
public sealed partial class RepositoryCloner(ICloneRunner runner, ILogger<RepositoryCloner> logger)
{
    public const string ScratchDirectoryName = "clone-tmp";

    public static string ScratchDirectory(WorkspaceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return Path.Combine(layout.StateDirectory, ScratchDirectoryName);
    }

    public static bool HasCheckout(WorkspaceLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var dotGit = Path.Combine(layout.CheckoutDirectory, ".git");
        return Directory.Exists(dotGit) || File.Exists(dotGit);
    }

    public async Task<CloneResult> EnsureCheckoutAsync(
        CloneRequest request,
        WorkspaceLayout layout,
        Action<CloneProgress> onProgress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(onProgress);

        if (HasCheckout(layout))
        {
            LogExistingCheckout(logger, layout.CheckoutDirectory);
            return CloneResult.ExistingCheckout;
        }

        if (!RepositoryUrl.TryParse(request.RepositoryUrl, out var url))
        {
            var invalid = CloneErrorClassifier.InvalidUrl(request.RepositoryUrl);
            LogCloneFailed(logger, RepositoryUrl.Redact(request.RepositoryUrl), invalid.Code, invalid.Message);
            return CloneResult.Failed(invalid);
        }

        if (Directory.Exists(layout.CheckoutDirectory) && Directory.EnumerateFileSystemEntries(layout.CheckoutDirectory).Any())
        {
            var occupied = new AgentError(
                AgentErrorCode.Unknown,
                $"The checkout folder {layout.CheckoutDirectory} already has files but is not a Git checkout.",
                "Move those files away or delete the folder, then restart the workspace.");
            LogCloneFailed(logger, url.Display, occupied.Code, occupied.Message);
            return CloneResult.Failed(occupied);
        }

        var scratch = ScratchDirectory(layout);
        DeleteDirectory(scratch);
        Directory.CreateDirectory(layout.StateDirectory);
        cancellationToken.ThrowIfCancellationRequested();

        LogCloning(logger, url.Display, request.BranchName ?? "(default)");
        var last = new CloneProgress(0, 0, 0, 0, 0, 0);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var failure = await runner.RunAsync(
                request,
                scratch,
                progress =>
                {
                    last = progress;
                    onProgress(progress);
                },
                cancellationToken);

            if (cancellationToken.IsCancellationRequested)
            {
                LogCloneCancelled(logger, url.Display);
                return CloneResult.Cancelled;
            }

            if (failure is not null)
            {
                var error = CloneErrorClassifier.Classify(failure, url, request);
                LogCloneFailed(logger, url.Display, error.Code, failure.LibraryMessage);
                return CloneResult.Failed(error);
            }

            if (Directory.Exists(layout.CheckoutDirectory))
            {
                Directory.Delete(layout.CheckoutDirectory);
            }

            Directory.Move(scratch, layout.CheckoutDirectory);
            var elapsedMs = (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogCloned(logger, url.Display, elapsedMs, last.TotalObjects, last.ReceivedBytes);
            return CloneResult.Cloned;
        }
        catch (IOException ex)
        {
            // Moving into place or cleaning up; "No space left on device" lands here too.
            var message = RepositoryUrl.Redact(ex.Message);
            var error = CloneErrorClassifier.Classify(new CloneFailure(message), url, request);
            LogCloneFailed(logger, url.Display, error.Code, message);
            return CloneResult.Failed(error);
        }
        finally
        {
            DeleteDirectory(scratch);
        }
    }

    private static void DeleteDirectory(string path)
    {
        if (!Directory.Exists(path))
        {
            return;
        }

        // Git writes its objects read-only; clear that so the tree can go.
        foreach (var file in Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories))
        {
            File.SetAttributes(file, FileAttributes.Normal);
        }

        Directory.Delete(path, recursive: true);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Checkout {Directory} already exists; keeping it as it is instead of cloning")]
    private static partial void LogExistingCheckout(ILogger logger, string directory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cloning {Repository} (branch {Branch})")]
    private static partial void LogCloning(ILogger logger, string repository, string branch);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cloned {Repository} in {ElapsedMs} ms: {Objects} objects, {Bytes} bytes received")]
    private static partial void LogCloned(ILogger logger, string repository, long elapsedMs, int objects, long bytes);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cloning {Repository} failed ({Code}): {Reason}")]
    private static partial void LogCloneFailed(ILogger logger, string repository, AgentErrorCode code, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cloning {Repository} was cancelled: the agent is stopping")]
    private static partial void LogCloneCancelled(ILogger logger, string repository);
}
