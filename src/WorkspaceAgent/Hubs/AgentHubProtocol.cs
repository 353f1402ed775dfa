using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.ExceptionServices;
using MessagePack;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace Workspaces.WorkspaceAgent.Hubs;

/// <summary>
/// SignalR's "messagepack" hub protocol (the wire format of <c>@microsoft/signalr-protocol-msgpack</c> and of
/// <c>AddMessagePackProtocol</c> clients), written by hand for the agent's hubs. SignalR's implementation binds every
/// argument through MessagePack's dynamic resolvers (reflection, emitted code), which a Native AOT agent does not have.
/// Primitives (string, int, long, bool, byte[], string[]) are handled here; each hub brings an
/// <see cref="IHubValueCodec"/> for its own types, written the way MessagePack's default (contractless) resolver writes
/// them: records as maps keyed by property name, enums as their names.
/// </summary>
internal sealed class AgentHubProtocol(IEnumerable<IHubValueCodec> codecs) : IHubProtocol
{
    private readonly IHubValueCodec[] _codecs = [.. codecs];

    public const string ProtocolName = "messagepack";

    private const int InvocationType = 1;
    private const int StreamItemType = 2;
    private const int CompletionType = 3;
    private const int StreamInvocationType = 4;
    private const int CancelInvocationType = 5;
    private const int PingType = 6;
    private const int CloseType = 7;
    private const int AckType = 8;
    private const int SequenceType = 9;

    private const int ErrorResult = 1;
    private const int VoidResult = 2;
    private const int NonVoidResult = 3;

    /// <summary>A length prefix is a base-128 varint of at most 5 bytes.</summary>
    private const int MaxLengthPrefixSize = 5;

    public string Name => ProtocolName;

    /// <summary>Version 2 adds the Ack and Sequence messages (stateful reconnect).</summary>
    public int Version => 2;

    public TransferFormat TransferFormat => TransferFormat.Binary;

    public bool IsVersionSupported(int version) => version <= Version;

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message)
    {
        ArgumentNullException.ThrowIfNull(binder);
        message = null;
        if (!TryReadLengthPrefix(input, out var length, out var prefixSize))
        {
            return false;
        }

        if (input.Length < prefixSize + length)
        {
            return false;
        }

        var payload = input.Slice(prefixSize, length);
        input = input.Slice(payload.End);
        var reader = new MessagePackReader(payload);
        message = ParseMessage(ref reader, binder);
        return message is not null;
    }

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var payload = new ArrayBufferWriter<byte>();
        WritePayload(message, payload);
        WriteLengthPrefix(payload.WrittenCount, output);
        output.Write(payload.WrittenSpan);
    }

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message)
    {
        var output = new ArrayBufferWriter<byte>();
        WriteMessage(message, output);
        return output.WrittenMemory;
    }

    private static bool TryReadLengthPrefix(ReadOnlySequence<byte> input, out int length, out int prefixSize)
    {
        length = 0;
        prefixSize = 0;
        Span<byte> prefix = stackalloc byte[MaxLengthPrefixSize];
        var available = (int)Math.Min(MaxLengthPrefixSize, input.Length);
        input.Slice(0, available).CopyTo(prefix);
        uint value = 0;
        for (var i = 0; i < available; i++)
        {
            var current = prefix[i];
            value |= (uint)(current & 0x7f) << (i * 7);
            if ((current & 0x80) == 0)
            {
                if (i == MaxLengthPrefixSize - 1 && current > 7)
                {
                    throw new InvalidDataException("Messages over 2 GB are not supported.");
                }

                length = (int)value;
                prefixSize = i + 1;
                return true;
            }
        }

        if (available == MaxLengthPrefixSize)
        {
            throw new InvalidDataException("Messages over 2 GB are not supported.");
        }

        return false;
    }

    private static void WriteLengthPrefix(int length, IBufferWriter<byte> output)
    {
        var span = output.GetSpan(MaxLengthPrefixSize);
        var written = 0;
        var remaining = (uint)length;
        do
        {
            var current = (byte)(remaining & 0x7f);
            remaining >>= 7;
            if (remaining > 0)
            {
                current |= 0x80;
            }

            span[written++] = current;
        }
        while (remaining > 0);

        output.Advance(written);
    }

    private HubMessage? ParseMessage(ref MessagePackReader reader, IInvocationBinder binder)
    {
        var count = reader.ReadArrayHeader();
        var type = reader.ReadInt32();
        switch (type)
        {
            case InvocationType:
            case StreamInvocationType:
                return ParseInvocation(ref reader, binder, count, stream: type == StreamInvocationType);
            case StreamItemType:
                {
                    var headers = ReadHeaders(ref reader);
                    var invocationId = ReadRequiredString(ref reader, "invocationId");
                    object? item;
                    try
                    {
                        item = ReadValue(ref reader, binder.GetStreamItemType(invocationId));
                    }
                    catch (Exception ex)
                    {
                        return new StreamBindingFailureMessage(invocationId, ExceptionDispatchInfo.Capture(ex));
                    }

                    return WithHeaders(new StreamItemMessage(invocationId, item), headers);
                }

            case CompletionType:
                {
                    var headers = ReadHeaders(ref reader);
                    var invocationId = ReadRequiredString(ref reader, "invocationId");
                    var resultKind = reader.ReadInt32();
                    CompletionMessage completion = resultKind switch
                    {
                        ErrorResult => CompletionMessage.WithError(invocationId, ReadString(ref reader)),
                        VoidResult => CompletionMessage.Empty(invocationId),
                        NonVoidResult => CompletionMessage.WithResult(invocationId, ReadValue(ref reader, binder.GetReturnType(invocationId))),
                        _ => throw new InvalidDataException($"Invalid invocation result kind {resultKind}."),
                    };
                    return WithHeaders(completion, headers);
                }

            case CancelInvocationType:
                {
                    var headers = ReadHeaders(ref reader);
                    return WithHeaders(new CancelInvocationMessage(ReadRequiredString(ref reader, "invocationId")), headers);
                }

            case PingType:
                return PingMessage.Instance;
            case CloseType:
                {
                    var error = ReadString(ref reader);
                    var allowReconnect = count > 2 && reader.ReadBoolean();
                    return error is null && !allowReconnect ? CloseMessage.Empty : new CloseMessage(error, allowReconnect);
                }

            case AckType:
                return new AckMessage(reader.ReadInt64());
            case SequenceType:
                return new SequenceMessage(reader.ReadInt64());
            default:
                return null; // A newer client's message type: ignored, as SignalR's own protocols do.
        }
    }

    private HubMessage ParseInvocation(ref MessagePackReader reader, IInvocationBinder binder, int count, bool stream)
    {
        var headers = ReadHeaders(ref reader);
        var invocationId = ReadString(ref reader);
        if (stream && string.IsNullOrEmpty(invocationId))
        {
            throw new InvalidDataException("A stream invocation needs an invocation id.");
        }

        var target = ReadRequiredString(ref reader, "target");
        object?[] arguments;
        try
        {
            var parameterTypes = binder.GetParameterTypes(target);
            var argumentCount = reader.ReadArrayHeader();
            if (argumentCount != parameterTypes.Count)
            {
                throw new InvalidDataException($"Invocation provides {argumentCount} argument(s) but target expects {parameterTypes.Count}.");
            }

            arguments = new object?[argumentCount];
            for (var i = 0; i < argumentCount; i++)
            {
                arguments[i] = ReadValue(ref reader, parameterTypes[i]);
            }
        }
        catch (Exception ex)
        {
            return new InvocationBindingFailureMessage(invocationId, target, ExceptionDispatchInfo.Capture(ex));
        }

        string[]? streamIds = null;
        if (count > 5)
        {
            var streamCount = reader.ReadArrayHeader();
            if (streamCount > 0)
            {
                streamIds = new string[streamCount];
                for (var i = 0; i < streamCount; i++)
                {
                    streamIds[i] = ReadRequiredString(ref reader, "streamId");
                }
            }
        }

        HubMethodInvocationMessage invocation = stream
            ? new StreamInvocationMessage(invocationId!, target, arguments, streamIds)
            : new InvocationMessage(invocationId, target, arguments, streamIds);
        return WithHeaders(invocation, headers);
    }

    private static T WithHeaders<T>(T message, Dictionary<string, string>? headers)
        where T : HubInvocationMessage
    {
        if (headers is not null)
        {
            message.Headers = headers;
        }

        return message;
    }

    private static Dictionary<string, string>? ReadHeaders(ref MessagePackReader reader)
    {
        var count = reader.ReadMapHeader();
        if (count == 0)
        {
            return null;
        }

        var headers = new Dictionary<string, string>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            headers[ReadRequiredString(ref reader, "header key")] = ReadRequiredString(ref reader, "header value");
        }

        return headers;
    }

    private static string? ReadString(ref MessagePackReader reader) => reader.ReadString();

    private static string ReadRequiredString(ref MessagePackReader reader, string field) =>
        reader.ReadString() ?? throw new InvalidDataException($"Reading '{field}' as String failed: it is nil.");

    private object? ReadValue(ref MessagePackReader reader, Type type)
    {
        if (type == typeof(string))
        {
            return reader.ReadString();
        }

        if (type == typeof(long))
        {
            return reader.ReadInt64();
        }

        if (type == typeof(int))
        {
            return reader.ReadInt32();
        }

        if (type == typeof(bool))
        {
            return reader.ReadBoolean();
        }

        if (type == typeof(byte[]))
        {
            return reader.TryReadNil() ? null : reader.ReadBytes()?.ToArray();
        }

        if (type == typeof(string[]))
        {
            if (reader.TryReadNil())
            {
                return null;
            }

            var strings = new string[reader.ReadArrayHeader()];
            for (var i = 0; i < strings.Length; i++)
            {
                strings[i] = ReadRequiredString(ref reader, "array item");
            }

            return strings;
        }

        foreach (var codec in _codecs)
        {
            if (codec.CanRead(type))
            {
                return codec.Read(ref reader, type);
            }
        }

        throw new InvalidDataException($"The agent's hub protocol cannot read a {type.Name}.");
    }

    private void WritePayload(HubMessage message, IBufferWriter<byte> output)
    {
        var writer = new MessagePackWriter(output);
        switch (message)
        {
            case InvocationMessage invocation:
                WriteInvocation(ref writer, InvocationType, invocation);
                break;
            case StreamInvocationMessage invocation:
                WriteInvocation(ref writer, StreamInvocationType, invocation);
                break;
            case StreamItemMessage item:
                writer.WriteArrayHeader(4);
                writer.Write(StreamItemType);
                WriteHeaders(ref writer, item.Headers);
                writer.Write(item.InvocationId);
                WriteValue(ref writer, item.Item);
                break;
            case CompletionMessage completion:
                var resultKind = completion.Error is not null ? ErrorResult : completion.HasResult ? NonVoidResult : VoidResult;
                writer.WriteArrayHeader(resultKind == VoidResult ? 4 : 5);
                writer.Write(CompletionType);
                WriteHeaders(ref writer, completion.Headers);
                writer.Write(completion.InvocationId);
                writer.Write(resultKind);
                if (resultKind == ErrorResult)
                {
                    writer.Write(completion.Error);
                }
                else if (resultKind == NonVoidResult)
                {
                    WriteValue(ref writer, completion.Result);
                }

                break;
            case CancelInvocationMessage cancel:
                writer.WriteArrayHeader(3);
                writer.Write(CancelInvocationType);
                WriteHeaders(ref writer, cancel.Headers);
                writer.Write(cancel.InvocationId);
                break;
            case PingMessage:
                writer.WriteArrayHeader(1);
                writer.Write(PingType);
                break;
            case CloseMessage close:
                writer.WriteArrayHeader(3);
                writer.Write(CloseType);
                writer.Write(close.Error);
                writer.Write(close.AllowReconnect);
                break;
            case AckMessage ack:
                writer.WriteArrayHeader(2);
                writer.Write(AckType);
                writer.Write(ack.SequenceId);
                break;
            case SequenceMessage sequence:
                writer.WriteArrayHeader(2);
                writer.Write(SequenceType);
                writer.Write(sequence.SequenceId);
                break;
            default:
                throw new InvalidDataException($"Unexpected message type: {message.GetType().Name}.");
        }

        writer.Flush();
    }

    private void WriteInvocation(ref MessagePackWriter writer, int type, HubMethodInvocationMessage invocation)
    {
        writer.WriteArrayHeader(6);
        writer.Write(type);
        WriteHeaders(ref writer, invocation.Headers);
        writer.Write(invocation.InvocationId);
        writer.Write(invocation.Target);
        writer.WriteArrayHeader(invocation.Arguments.Length);
        foreach (var argument in invocation.Arguments)
        {
            WriteValue(ref writer, argument);
        }

        var streamIds = invocation.StreamIds ?? [];
        writer.WriteArrayHeader(streamIds.Length);
        foreach (var streamId in streamIds)
        {
            writer.Write(streamId);
        }
    }

    private static void WriteHeaders(ref MessagePackWriter writer, IDictionary<string, string>? headers)
    {
        writer.WriteMapHeader(headers?.Count ?? 0);
        if (headers is null)
        {
            return;
        }

        foreach (var (key, value) in headers)
        {
            writer.Write(key);
            writer.Write(value);
        }
    }

    /// <summary>The values hubs return, stream and send, by runtime type.</summary>
    private void WriteValue(ref MessagePackWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNil();
                return;
            case string text:
                writer.Write(text);
                return;
            case int number:
                writer.Write(number);
                return;
            case long number:
                writer.Write(number);
                return;
            case bool flag:
                writer.Write(flag);
                return;
            case byte[] bytes:
                writer.Write(bytes);
                return;
        }

        foreach (var codec in _codecs)
        {
            if (codec.TryWrite(ref writer, value))
            {
                return;
            }
        }

        throw new InvalidDataException($"The agent's hub protocol cannot write a {value.GetType().Name}.");
    }
}
