namespace Workspaces.WorkspaceAgent.Preparation;

/// <summary>
/// Waits for the network a sandbox sets up while the agent starts (<see cref="Shared.Agent.AgentBootstrap.NetworkReadyFile"/>):
/// the file appears, not empty, once the network helper serves the namespace. Woken by the file system, not a clock.
/// </summary>
public static class NetworkReadiness
{
    /// <summary>How long a network helper may take; it normally takes tens of milliseconds, and a failed one ends the sandbox.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <returns>True once the network is up (at once without a <paramref name="readyFile"/>), false after <paramref name="timeout"/>.</returns>
    public static async Task<bool> WaitAsync(string? readyFile, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (readyFile is null || IsReady(readyFile))
        {
            return true;
        }

        var directory = Path.GetDirectoryName(readyFile)!;
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(directory, Path.GetFileName(readyFile))
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        FileSystemEventHandler changed = (_, _) =>
        {
            if (IsReady(readyFile))
            {
                ready.TrySetResult();
            }
        };
        watcher.Created += changed;
        watcher.Changed += changed;
        watcher.EnableRaisingEvents = true;

        // Written between the first look and the watch: seen now.
        if (IsReady(readyFile))
        {
            return true;
        }

        try
        {
            await ready.Task.WaitAsync(timeout, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return IsReady(readyFile);
        }
    }

    private static bool IsReady(string file)
    {
        try
        {
            return new FileInfo(file) is { Exists: true, Length: > 0 };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
