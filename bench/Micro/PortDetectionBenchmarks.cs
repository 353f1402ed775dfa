extern alias agent;

using agent::Workspaces.WorkspaceAgent.Ports;
using BenchmarkDotNet.Attributes;

namespace Workspaces.Micro;

/// <summary>
/// One read of this machine's TCP listeners (IPv4 and IPv6), as the agent's port watcher does every second: from
/// <c>/proc/net/tcp</c> and <c>/proc/net/tcp6</c>, and from a LISTEN-only <c>NETLINK_SOCK_DIAG</c> dump. Most of either is
/// kernel time, which the wall-clock mean includes (the calls are synchronous).
/// </summary>
[MemoryDiagnoser]
public class PortDetectionBenchmarks
{
    private readonly ProcNetTcpSockets _proc = new();
    private readonly SockDiagSockets _netlink = new();

    [Benchmark(Baseline = true)]
    public int ProcNetTcp() => _proc.Read().Count;

    [Benchmark]
    public int Netlink() => _netlink.Read().Count;
}
