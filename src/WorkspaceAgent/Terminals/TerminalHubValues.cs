using MessagePack;
using Workspaces.Shared.Terminals;
using Workspaces.WorkspaceAgent.Hubs;

namespace Workspaces.WorkspaceAgent.Terminals;

/// <summary>The terminal hub's own types on the wire, written exactly as SignalR's MessagePack protocol writes them.</summary>
internal sealed class TerminalHubValues : IHubValueCodec
{
    public bool CanRead(Type type) => type == typeof(CreateTerminalRequest);

    public object? Read(ref MessagePackReader reader, Type type) => ReadCreateTerminalRequest(ref reader);

    public bool TryWrite(ref MessagePackWriter writer, object value)
    {
        switch (value)
        {
            case TerminalFrame frame:
                WriteFrame(ref writer, frame);
                return true;
            case TerminalInfo info:
                WriteInfo(ref writer, info);
                return true;
            case IReadOnlyCollection<TerminalInfo> list:
                writer.WriteArrayHeader(list.Count);
                foreach (var info in list)
                {
                    WriteInfo(ref writer, info);
                }

                return true;
            default:
                return false;
        }
    }

    private static CreateTerminalRequest? ReadCreateTerminalRequest(ref MessagePackReader reader)
    {
        if (reader.TryReadNil())
        {
            return null;
        }

        string? name = null;
        var columns = 0;
        var rows = 0;
        var count = reader.ReadMapHeader();
        for (var i = 0; i < count; i++)
        {
            var key = reader.ReadString();
            if (string.Equals(key, nameof(CreateTerminalRequest.Name), StringComparison.OrdinalIgnoreCase))
            {
                name = reader.ReadString();
            }
            else if (string.Equals(key, nameof(CreateTerminalRequest.Columns), StringComparison.OrdinalIgnoreCase))
            {
                columns = reader.ReadInt32();
            }
            else if (string.Equals(key, nameof(CreateTerminalRequest.Rows), StringComparison.OrdinalIgnoreCase))
            {
                rows = reader.ReadInt32();
            }
            else
            {
                reader.Skip();
            }
        }

        return new CreateTerminalRequest(name, columns, rows);
    }

    private static void WriteFrame(ref MessagePackWriter writer, TerminalFrame frame)
    {
        writer.WriteMapHeader(4);
        writer.Write(nameof(TerminalFrame.Kind));
        writer.Write(frame.Kind.ToString());
        writer.Write(nameof(TerminalFrame.Offset));
        writer.Write(frame.Offset);
        writer.Write(nameof(TerminalFrame.Data));
        writer.Write(frame.Data);
        writer.Write(nameof(TerminalFrame.ExitCode));
        WriteNullable(ref writer, frame.ExitCode);
    }

    private static void WriteInfo(ref MessagePackWriter writer, TerminalInfo info)
    {
        writer.WriteMapHeader(8);
        writer.Write(nameof(TerminalInfo.Id));
        writer.Write(info.Id);
        writer.Write(nameof(TerminalInfo.Name));
        writer.Write(info.Name);
        writer.Write(nameof(TerminalInfo.Columns));
        writer.Write(info.Columns);
        writer.Write(nameof(TerminalInfo.Rows));
        writer.Write(info.Rows);
        writer.Write(nameof(TerminalInfo.TaskIndex));
        WriteNullable(ref writer, info.TaskIndex);
        writer.Write(nameof(TerminalInfo.Exited));
        writer.Write(info.Exited);
        writer.Write(nameof(TerminalInfo.ExitCode));
        WriteNullable(ref writer, info.ExitCode);
        writer.Write(nameof(TerminalInfo.CreatedAt));

        // As MessagePack's DateTimeOffsetFormatter: the local clock time as a timestamp, then the offset in minutes.
        writer.WriteArrayHeader(2);
        writer.Write(new DateTime(info.CreatedAt.Ticks, DateTimeKind.Utc));
        writer.Write((short)info.CreatedAt.Offset.TotalMinutes);
    }

    private static void WriteNullable(ref MessagePackWriter writer, int? value)
    {
        if (value is { } number)
        {
            writer.Write(number);
        }
        else
        {
            writer.WriteNil();
        }
    }
}
