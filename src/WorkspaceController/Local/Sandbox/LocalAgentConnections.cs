using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Options;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceController.Runtime;

namespace Workspaces.WorkspaceController.Local.Sandbox;

/// <summary>
/// Sandboxed agents listen on a Unix socket in their workspace's state directory (<c>.workspace/run/agent.sock</c>, mounted
/// into the sandbox); unsandboxed ones on loopback TCP. The workspace can replace that socket, or the directory, with a
/// link to any socket of the host, so a connection counts only when its peer is the agent process the runtime started
/// (SO_PEERCRED): nothing is sent before that.
/// </summary>
public sealed class LocalAgentConnections(IOptions<LocalRuntimeOptions> options) : IAgentConnections
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;
    private readonly TcpAgentConnections _tcp = new();

    public ValueTask<Socket> ConnectAsync(Uri agentUrl, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(agentUrl);
        return SandboxedWorkspace(agentUrl) is { } workspaceId
            ? ConnectToSocketAsync(workspaceId, cancellationToken)
            : _tcp.ConnectAsync(agentUrl, cancellationToken);
    }

    public bool ReachesPortsDirectly(Uri agentUrl) => SandboxedWorkspace(agentUrl) is null;

    private static string? SandboxedWorkspace(Uri agentUrl)
    {
        var host = agentUrl.Host;
        return host.EndsWith(SandboxRuntimeInfo.AgentHostSuffix, StringComparison.OrdinalIgnoreCase) && host.Length > SandboxRuntimeInfo.AgentHostSuffix.Length
            ? host[..^SandboxRuntimeInfo.AgentHostSuffix.Length]
            : null;
    }

    private async ValueTask<Socket> ConnectToSocketAsync(string workspaceId, CancellationToken cancellationToken)
    {
        var root = options.Value.WorkspacesDirectory;
        var info = SandboxRuntimeInfo.Read(SandboxRuntimeInfo.PathFor(root, workspaceId))
            ?? throw new IOException($"The agent of workspace {workspaceId} does not run in a sandbox (no runtime record).");
        var directory = SandboxLayout.HostSocketDirectory(new WorkspaceLayout(Path.Combine(root, workspaceId), ""));

        // A socket path has at most 107 bytes; a data directory's may be longer. A descriptor of the directory makes it short.
        var fd = SandboxNative.OpenDirectoryPath(directory);
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(string.Create(CultureInfo.InvariantCulture, $"/proc/self/fd/{fd}/{SandboxCommand.SocketFileName}")), cancellationToken);
            var peer = PeerProcessId(socket);
            if (peer != info.AgentProcessId)
            {
                throw new IOException($"The socket of workspace {workspaceId} is not its agent's (peer process {peer}, agent {info.AgentProcessId}).");
            }

            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        finally
        {
            _ = SandboxNative.Close(fd);
        }
    }

    private static int PeerProcessId(Socket socket)
    {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        Span<byte> credentials = stackalloc byte[12];
        var length = socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials);
        return length >= 4 ? BitConverter.ToInt32(credentials) : -1;
    }
}
