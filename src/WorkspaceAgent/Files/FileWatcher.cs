using Workspaces.Shared.Files;

namespace Workspaces.WorkspaceAgent.Files;

/// <summary>
/// Watches the checkout (inotify through <see cref="FileSystemWatcher"/>) while someone listens, and reports changes in
/// batches: a batch goes out after <see cref="FilesOptions.ChangeDebounce"/> without events (or after
/// <see cref="FilesOptions.MaxChangeDelay"/> while they keep coming), a batch holds at most
/// <see cref="FilesOptions.MaxChangedPathsPerBatch"/> paths, and more than that (a <c>git checkout</c> of 10,000 files)
/// becomes one <see cref="FileChanges.Overflow"/> notification instead of a flood.
/// </summary>
public sealed partial class FileWatcher : IDisposable
{
    private readonly WorkspacePaths _paths;
    private readonly FilesOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<FileWatcher> _logger;
    private readonly Lock _lock = new();
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private FileSystemWatcher? _watcher;
    private ITimer? _timer;
    private long _firstPending;
    private bool _overflow;
    private bool _git;
    private int _listeners;

    public FileWatcher(WorkspacePaths paths, FilesOptions options, TimeProvider time, ILogger<FileWatcher> logger)
    {
        _paths = paths;
        _options = options;
        _time = time;
        _logger = logger;
    }

    /// <summary>A batch of changes; raised on a timer thread.</summary>
    public event Action<FileChanges>? Changed;

    /// <summary>Starts watching for the first listener; <see cref="RemoveListener"/> stops after the last one.</summary>
    public void AddListener()
    {
        lock (_lock)
        {
            if (_listeners++ > 0)
            {
                return;
            }

            try
            {
                var watcher = new FileSystemWatcher(_paths.Root)
                {
                    IncludeSubdirectories = true,
                    InternalBufferSize = 64 * 1024,
                    NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
                };
                watcher.Changed += OnEvent;
                watcher.Created += OnEvent;
                watcher.Deleted += OnEvent;
                watcher.Renamed += OnRenamed;
                watcher.Error += OnError;
                watcher.EnableRaisingEvents = true;
                _watcher = watcher;
            }
            catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException)
            {
                LogWatchFailed(ex.Message);
            }
        }
    }

    public void RemoveListener()
    {
        lock (_lock)
        {
            if (--_listeners > 0)
            {
                return;
            }

            _listeners = 0;
            _watcher?.Dispose();
            _watcher = null;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _watcher?.Dispose();
            _watcher = null;
            _timer?.Dispose();
            _timer = null;
        }
    }

    /// <summary>Reports a change the agent made itself (a save), in the same batches as the watcher's.</summary>
    public void Report(string fullPath) => Add(fullPath);

    private void OnEvent(object sender, FileSystemEventArgs e) => Add(e.FullPath);

    private void OnRenamed(object sender, RenamedEventArgs e)
    {
        Add(e.OldFullPath);
        Add(e.FullPath);
    }

    private void OnError(object sender, ErrorEventArgs e)
    {
        // The kernel's queue overflowed: something changed, we do not know what.
        lock (_lock)
        {
            _overflow = true;
            ScheduleFlush();
        }
    }

    private void Add(string fullPath)
    {
        var relative = _paths.Relative(fullPath);
        var name = Path.GetFileName(relative);
        if (name.StartsWith(FileService.SaveTempPrefix, StringComparison.Ordinal))
        {
            return;
        }

        lock (_lock)
        {
            if (relative == ".git" || relative.StartsWith(".git/", StringComparison.Ordinal))
            {
                // Objects and logs churn on every commit; only what changes the status matters.
                if (relative is ".git/index" or ".git/HEAD" || relative.StartsWith(".git/refs/", StringComparison.Ordinal))
                {
                    _git = true;
                    ScheduleFlush();
                }

                return;
            }

            if (!_overflow)
            {
                _pending.Add(relative);
                if (_pending.Count > _options.MaxChangedPathsPerBatch)
                {
                    _overflow = true;
                    _pending.Clear();
                }
            }

            // Working tree changes change the source control status too.
            _git = true;
            ScheduleFlush();
        }
    }

    private void ScheduleFlush()
    {
        if (_timer is null)
        {
            _firstPending = _time.GetTimestamp();
            _timer = _time.CreateTimer(_ => Flush(), null, _options.ChangeDebounce, Timeout.InfiniteTimeSpan);
            return;
        }

        // Each event restarts the quiet period, up to the ceiling counted from the batch's first event.
        var left = _options.MaxChangeDelay - _time.GetElapsedTime(_firstPending);
        _timer.Change(left < _options.ChangeDebounce ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : _options.ChangeDebounce, Timeout.InfiniteTimeSpan);
    }

    private void Flush()
    {
        FileChanges changes;
        lock (_lock)
        {
            changes = new FileChanges(_overflow ? [] : [.. _pending], _overflow, _git);
            _pending.Clear();
            _overflow = false;
            _git = false;
            _timer?.Dispose();
            _timer = null;
        }

        try
        {
            Changed?.Invoke(changes);
        }
        catch (Exception ex)
        {
            LogNotifyFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Watching the checkout for changes failed: {Reason}; editors will not reload by themselves")]
    private partial void LogWatchFailed(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Telling clients about file changes failed")]
    private partial void LogNotifyFailed(Exception exception);
}
