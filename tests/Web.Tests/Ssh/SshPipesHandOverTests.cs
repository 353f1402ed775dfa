using System.IO.Pipes;
using System.Net.Sockets;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.Web.Ssh;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Ssh;

/// <summary>
/// The web app's side of the SSH hand-over (<see cref="AgentSshConnector.HandOverAsync"/>) against a hand-written agent on
/// a real Unix socket: sshd's pipes become the tunnel's stream, and what it refuses.
/// </summary>
public sealed class SshPipesHandOverTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _directory = TempDirectory.Create("ssh-handover");
    private readonly Uri _agent = new("http://ws-ssh.sandbox.invalid/");

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task HandOver_AgentHandsOverSshdsPipes_TheStreamWritesToItsInputAndReadsItsOutput()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var sshdInput = new AnonymousPipeServerStream(PipeDirection.In);
        using var sshdOutput = new AnonymousPipeServerStream(PipeDirection.Out);

        var answer = await HandOverAsync(
            agent => SocketHandOver.Send(agent, Head("HTTP/1.1 101 Switching Protocols", "ssh-ed25519 AAAAkey", "alice"), sshdInput.ClientSafePipeHandle, sshdOutput.ClientSafePipeHandle),
            cancel.Token);
        sshdInput.DisposeLocalCopyOfClientHandle();
        sshdOutput.DisposeLocalCopyOfClientHandle();

        Assert.NotNull(answer);
        Assert.Equal(101, answer.Status);
        Assert.Equal("alice", answer.User);
        Assert.Equal("ssh-ed25519 AAAAkey", answer.HostKey);
        await using (var stream = answer.Stream!)
        {
            await stream.WriteAsync("SSH-2.0-client\r\n"u8.ToArray(), cancel.Token);
            var received = new byte[16];
            await sshdInput.ReadExactlyAsync(received, cancel.Token);
            Assert.Equal("SSH-2.0-client\r\n", Encoding.ASCII.GetString(received));

            await sshdOutput.WriteAsync("SSH-2.0-server\r\n"u8.ToArray(), cancel.Token);
            var read = new byte[16];
            await stream.ReadExactlyAsync(read, cancel.Token);
            Assert.Equal("SSH-2.0-server\r\n", Encoding.ASCII.GetString(read));
        }

        // Closing the tunnel's stream is sshd's end of input: it ends the session.
        Assert.Equal(0, await sshdInput.ReadAsync(new byte[1], cancel.Token));
    }

    [Fact]
    public async Task HandOver_AgentThatPredatesIt_NullSoTheByteRelayIsAsked()
    {
        using var cancel = new CancellationTokenSource(Timeout);

        var answer = await HandOverAsync(agent => agent.Send(Encoding.ASCII.GetBytes("HTTP/1.1 426 Upgrade Required\r\nContent-Length: 0\r\n\r\n")), cancel.Token);

        Assert.Null(answer);
    }

    [Fact]
    public async Task HandOver_AgentRefuses_AnswersItsStatusAndReason()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        const string reason = "This workspace's image has no sshd: install openssh-server.";

        var answer = await HandOverAsync(
            agent => agent.Send(Encoding.ASCII.GetBytes($"HTTP/1.1 501 Not Implemented\r\nContent-Length: {reason.Length}\r\n\r\n{reason}")),
            cancel.Token);

        Assert.NotNull(answer);
        Assert.Equal(501, answer.Status);
        Assert.Null(answer.Stream);
        Assert.Equal(reason, answer.Reason);
    }

    [Fact]
    public async Task HandOver_AgentHandsOverAFileInsteadOfAPipe_Refused()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var sshdOutput = new AnonymousPipeServerStream(PipeDirection.Out);
        // A file of the workspace the agent can write, say: the web app must not write a session into it.
        using var file = File.OpenHandle(_directory.Combine("not-a-pipe"), FileMode.Create, FileAccess.ReadWrite);

        var refused = await Assert.ThrowsAsync<IOException>(() => HandOverAsync(
            agent => SocketHandOver.Send(agent, Head("HTTP/1.1 101 Switching Protocols", "ssh-ed25519 AAAAkey", "alice"), file, sshdOutput.ClientSafePipeHandle),
            cancel.Token));

        Assert.Contains("other than sshd's pipes", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HandOver_AgentSwitchesWithOneDescriptor_Refused()
    {
        using var cancel = new CancellationTokenSource(Timeout);
        using var sshdInput = new AnonymousPipeServerStream(PipeDirection.In);

        var refused = await Assert.ThrowsAsync<IOException>(() => HandOverAsync(
            agent => SocketHandOver.Send(agent, Head("HTTP/1.1 101 Switching Protocols", "ssh-ed25519 AAAAkey", "alice"), sshdInput.ClientSafePipeHandle, null),
            cancel.Token));

        Assert.Contains("1 descriptors instead of sshd's two pipes", refused.Message, StringComparison.Ordinal);
    }

    private static byte[] Head(string statusLine, string hostKey, string user) =>
        Encoding.ASCII.GetBytes($"{statusLine}\r\nConnection: Upgrade\r\nUpgrade: {AgentProtocol.SshPipesUpgrade}\r\n{AgentProtocol.SshHostKeyHeader}: {hostKey}\r\n{AgentProtocol.SshUserHeader}: {user}\r\n\r\n");

    /// <summary>The web app's hand-over request to an agent that answers with <paramref name="answer"/> once it has read the request.</summary>
    private Task<AgentSshAnswer?> HandOverAsync(Action<Socket> answer, CancellationToken cancellationToken) =>
        AgentOnUnixSocket.ExchangeAsync(
            _directory,
            request =>
            {
                Assert.Contains($"GET {AgentProtocol.SshPath} HTTP/1.1", request, StringComparison.Ordinal);
                Assert.Contains($"Upgrade: {AgentProtocol.SshPipesUpgrade}", request, StringComparison.Ordinal);
                Assert.Contains("Authorization: ", request, StringComparison.Ordinal);
            },
            answer,
            client => AgentSshConnector.HandOverAsync(client, _agent, "the-secret", cancellationToken),
            cancellationToken);
}
