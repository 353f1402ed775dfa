using Workspaces.Shared.Configuration;
using Workspaces.WorkspaceAgent.Status;

namespace Workspaces.WorkspaceAgent.Ports;

public sealed class PortWatcherOptions
{
    /// <summary>How often the listening sockets are read: a started dev server shows up within this.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    public string ProcRoot { get; set; } = "/proc";
}

/// <summary>
/// Reports the ports the workspace's processes listen on into the agent status, live. Polling the kernel's listeners
/// (<see cref="IListeningSockets"/>: netlink, else <c>/proc/net/tcp</c>) works the same on a host and in a container; one
/// pass costs well under a millisecond for a workspace's few processes.
/// </summary>
public sealed partial class PortWatcher(
    PortWatcherOptions options,
    IListeningSockets sockets,
    AgentStatusStore status,
    TimeProvider time,
    ILogger<PortWatcher> logger) : BackgroundService
{
    private readonly WorkspaceProcesses _processes = new(options.ProcRoot);
    private readonly Lock _lock = new();
    private WorkspaceConfig _config = WorkspaceConfig.Empty;
    private HashSet<long> _lastListening = [];
    private HashSet<long> _lastOwned = [];
    private TaskCompletionSource _configChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Names, onOpen and visibility come from the configuration once the checkout is read.</summary>
    public void UseWorkspaceConfig(WorkspaceConfig config)
    {
        lock (_lock)
        {
            _config = config;
            _configChanged.TrySetResult();
        }
    }

    /// <summary>One look at the listening sockets.</summary>
    public IReadOnlyList<Shared.Agent.WorkspacePort> Scan()
    {
        WorkspaceConfig config;
        lock (_lock)
        {
            config = _config;
        }

        var all = sockets.Read();
        var inodes = all.Select(s => s.Inode).ToHashSet();
        HashSet<long> owned;
        lock (_lock)
        {
            owned = _lastOwned;
            if (!inodes.SetEquals(_lastListening))
            {
                // Walking every process's descriptors is the expensive part (in the local runtime the kernel lists the
                // whole host's listeners); do it only when the set of listeners changed.
                var workspace = _processes.SocketInodes();
                owned = [.. inodes.Where(workspace.Contains)];
                _lastListening = inodes;
                _lastOwned = owned;
            }
        }

        return PortList.Build(all.Where(s => owned.Contains(s.Inode)), config);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            Task configChanged;
            lock (_lock)
            {
                configChanged = _configChanged.Task;
                if (configChanged.IsCompleted)
                {
                    _configChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }
            }

            try
            {
                var ports = Scan();
                if (!PortList.SameAs(ports, status.Current.Ports))
                {
                    status.SetPorts(ports);
                    var numbers = string.Join(", ", ports.Where(p => p.Listening).Select(p => p.Port));
                    LogPorts(logger, numbers);
                }

                failures = 0;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                if (failures++ == 0)
                {
                    LogScanFailed(logger, e);
                }
            }

            await ((Task)Task.WhenAny(Task.Delay(options.Interval, time, stoppingToken), configChanged)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening ports: {Ports}")]
    private static partial void LogPorts(ILogger logger, string ports);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the listening sockets failed; retrying")]
    private static partial void LogScanFailed(ILogger logger, Exception exception);
}
