using System.Buffers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using MessagePack;

namespace Workspaces.WorkspaceAgent.Hubs;

/// <summary>
/// Carries the types of a source-generated <see cref="JsonSerializerContext"/> as MessagePack by transcoding their JSON
/// form token by token: objects become maps (with the context's property names), arrays arrays, strings strings,
/// numbers integers or doubles. No reflection, so it stays AOT-safe, and a hub's contract is declared once (its JSON
/// context). Byte arrays would become base64 strings: hubs pass bytes as plain <c>byte[]</c> arguments and results.
/// </summary>
internal sealed class JsonHubValueCodec(JsonSerializerContext context) : IHubValueCodec
{
    public bool CanRead(Type type) => context.GetTypeInfo(type) is not null;

    public object? Read(ref MessagePackReader reader, Type type)
    {
        var info = context.GetTypeInfo(type) ?? throw new InvalidDataException($"No JSON contract for {type.Name}.");
        var json = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(json))
        {
            Transcode(ref reader, writer, depth: 0);
        }

        return JsonSerializer.Deserialize(json.WrittenSpan, info);
    }

    public bool TryWrite(ref MessagePackWriter writer, object value)
    {
        if (context.GetTypeInfo(value.GetType()) is not JsonTypeInfo info)
        {
            return false;
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(value, info);
        var reader = new Utf8JsonReader(json);
        reader.Read();
        Transcode(ref reader, ref writer);
        return true;
    }

    private const int MaxDepth = 64;

    private static void Transcode(ref MessagePackReader reader, Utf8JsonWriter writer, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new InvalidDataException("The value is nested too deeply.");
        }

        switch (reader.NextMessagePackType)
        {
            case MessagePackType.Nil:
                reader.ReadNil();
                writer.WriteNullValue();
                break;
            case MessagePackType.Boolean:
                writer.WriteBooleanValue(reader.ReadBoolean());
                break;
            case MessagePackType.Integer:
                writer.WriteNumberValue(reader.ReadInt64());
                break;
            case MessagePackType.Float:
                writer.WriteNumberValue(reader.ReadDouble());
                break;
            case MessagePackType.String:
                writer.WriteStringValue(reader.ReadString());
                break;
            case MessagePackType.Array:
                {
                    var count = reader.ReadArrayHeader();
                    writer.WriteStartArray();
                    for (var i = 0; i < count; i++)
                    {
                        Transcode(ref reader, writer, depth + 1);
                    }

                    writer.WriteEndArray();
                    break;
                }

            case MessagePackType.Map:
                {
                    var count = reader.ReadMapHeader();
                    writer.WriteStartObject();
                    for (var i = 0; i < count; i++)
                    {
                        writer.WritePropertyName(reader.ReadString() ?? throw new InvalidDataException("A map key is nil."));
                        Transcode(ref reader, writer, depth + 1);
                    }

                    writer.WriteEndObject();
                    break;
                }

            default:
                throw new InvalidDataException($"Cannot read a MessagePack {reader.NextMessagePackType} as JSON.");
        }
    }

    private static void Transcode(ref Utf8JsonReader reader, ref MessagePackWriter writer)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                writer.WriteNil();
                break;
            case JsonTokenType.True:
                writer.Write(true);
                break;
            case JsonTokenType.False:
                writer.Write(false);
                break;
            case JsonTokenType.Number:
                if (reader.TryGetInt64(out var integer))
                {
                    writer.Write(integer);
                }
                else
                {
                    writer.Write(reader.GetDouble());
                }

                break;
            case JsonTokenType.String:
                writer.Write(reader.GetString());
                break;
            case JsonTokenType.StartArray:
                {
                    // MessagePack needs the count first: count on a copy of the reader, then write.
                    var count = CountItems(reader);
                    writer.WriteArrayHeader(count);
                    while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                    {
                        Transcode(ref reader, ref writer);
                    }

                    break;
                }

            case JsonTokenType.StartObject:
                {
                    var count = CountItems(reader);
                    writer.WriteMapHeader(count);
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        writer.Write(reader.GetString());
                        reader.Read();
                        Transcode(ref reader, ref writer);
                    }

                    break;
                }

            default:
                throw new InvalidDataException($"Unexpected JSON token {reader.TokenType}.");
        }
    }

    /// <summary>The number of items (or properties) of the array or object the reader is at the start of.</summary>
    private static int CountItems(Utf8JsonReader reader)
    {
        var depth = reader.CurrentDepth;
        var count = 0;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.CurrentDepth == depth + 1 && reader.TokenType is not (JsonTokenType.EndArray or JsonTokenType.EndObject))
            {
                if (reader.TokenType != JsonTokenType.PropertyName)
                {
                    count++;
                }
            }

            if (reader.TokenType is JsonTokenType.StartArray or JsonTokenType.StartObject)
            {
                reader.Skip();
            }
        }

        return count;
    }
}
