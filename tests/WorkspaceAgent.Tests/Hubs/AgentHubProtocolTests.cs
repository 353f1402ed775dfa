using System.Buffers;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Workspaces.WorkspaceAgent.Hubs;

namespace Workspaces.WorkspaceAgent.Tests.Hubs;

/// <summary>
/// The agent's hand-written protocol against SignalR's own MessagePack protocol (what browsers and .NET clients speak):
/// the same bytes out, and what SignalR writes reads back the same.
/// </summary>
public sealed class AgentHubProtocolTests
{
    private readonly AgentHubProtocol _agent = new([]);
    private readonly MessagePackHubProtocol _signalR = new();

    public static TheoryData<string> Messages() => [.. SampleMessages.Keys];

    private static readonly Dictionary<string, HubMessage> SampleMessages = new()
    {
        ["invocation"] = new InvocationMessage("7", "Input", ["terminal-1", new byte[] { 3, 0, 255 }]),
        ["invocation without id"] = new InvocationMessage("TerminalsChanged", ["a", 42, 9_000_000_000L, true]),
        ["stream item"] = new StreamItemMessage("8", "a line of output"),
        ["completion with result"] = CompletionMessage.WithResult("9", "saved"),
        ["empty completion"] = CompletionMessage.Empty("10"),
        ["completion with error"] = CompletionMessage.WithError("11", "This workspace is shared with you read-only."),
        ["ping"] = PingMessage.Instance,
        ["close with error"] = new CloseMessage("The agent is stopping.", allowReconnect: true),
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void WriteMessage_AsSignalRWritesIt_SameBytes(string name)
    {
        var message = SampleMessages[name];

        var ours = _agent.GetMessageBytes(message);

        Assert.Equal(_signalR.GetMessageBytes(message).ToArray(), ours.ToArray());
    }

    [Fact]
    public void TryParseMessage_InvocationWrittenBySignalR_ReadsTargetAndArguments()
    {
        var bytes = new ReadOnlySequence<byte>(_signalR.GetMessageBytes(new InvocationMessage("3", "Resize", ["terminal-1", 120, 40])));

        Assert.True(_agent.TryParseMessage(ref bytes, new Binder(typeof(string), typeof(int), typeof(int)), out var message));

        var invocation = Assert.IsType<InvocationMessage>(message);
        Assert.Equal(("3", "Resize"), (invocation.InvocationId, invocation.Target));
        Assert.Equal(["terminal-1", 120, 40], invocation.Arguments);
        Assert.True(bytes.IsEmpty);
    }

    [Fact]
    public void TryParseMessage_HalfAMessage_WaitsForTheRest()
    {
        var whole = _signalR.GetMessageBytes(new InvocationMessage("4", "Input", ["terminal-1", new byte[] { 1, 2, 3 }]));
        var half = new ReadOnlySequence<byte>(whole[..(whole.Length / 2)]);

        Assert.False(_agent.TryParseMessage(ref half, new Binder(typeof(string), typeof(byte[])), out _));
        Assert.Equal(whole.Length / 2, half.Length);
    }

    private sealed class Binder(params Type[] parameters) : IInvocationBinder
    {
        public IReadOnlyList<Type> GetParameterTypes(string methodName) => parameters;

        public Type GetReturnType(string invocationId) => typeof(object);

        public Type GetStreamItemType(string streamId) => typeof(object);
    }
}
