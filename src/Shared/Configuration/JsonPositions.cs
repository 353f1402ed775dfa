using System.Text;
using System.Text.Json;

namespace Workspaces.Shared.Configuration;

/// <summary>
/// Where each property and list item of a JSON text starts, by path (<c>portsAttributes.3000.label</c>,
/// <c>forwardPorts[2]</c>), so that messages about devcontainer.json can name a line like those about .gitpod.yml.
/// <see cref="JsonDocument"/> keeps no positions, so the text is scanned once more with <see cref="Utf8JsonReader"/>.
/// </summary>
/// <remarks>Only the first <see cref="MaxDepth"/> levels are recorded (no message points deeper), which also bounds the
/// memory a large file can make this use. Columns are computed only for positions that are asked for.</remarks>
internal sealed class JsonPositions
{
    private const int MaxDepth = 3;

    private readonly byte[] _utf8;
    private readonly List<int> _lineStarts = [0];
    private readonly Dictionary<string, List<int>> _offsets = new(StringComparer.Ordinal);

    private JsonPositions(byte[] utf8)
    {
        _utf8 = utf8;
    }

    public static JsonPositions Scan(string text, JsonReaderOptions options)
    {
        var positions = new JsonPositions(Encoding.UTF8.GetBytes(text));
        positions.Index(options);
        return positions;
    }

    /// <summary>The position of the property or item at <paramref name="path"/>; of its last occurrence unless <paramref name="first"/>.</summary>
    public TextPosition? Of(string path, bool first = false)
    {
        if (!_offsets.TryGetValue(path, out var offsets))
        {
            return null;
        }

        var offset = first ? offsets[0] : offsets[^1];
        var line = _lineStarts.BinarySearch(offset);
        line = line >= 0 ? line : ~line - 1;
        var column = Encoding.UTF8.GetCharCount(_utf8, _lineStarts[line], offset - _lineStarts[line]) + 1;
        return new TextPosition(line + 1, column);
    }

    private void Index(JsonReaderOptions options)
    {
        for (var i = 0; i < _utf8.Length; i++)
        {
            if (_utf8[i] == (byte)'\n')
            {
                _lineStarts.Add(i + 1);
            }
        }

        // Each open container: its path, and the next list index (-1 for an object).
        var stack = new Stack<(string Path, int NextIndex)>();
        string? pendingProperty = null;
        var reader = new Utf8JsonReader(_utf8, options);
        try
        {
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    var parent = stack.Peek().Path;
                    pendingProperty = parent.Length == 0 ? reader.GetString()! : parent + "." + reader.GetString();
                    if (stack.Count <= MaxDepth)
                    {
                        Record(pendingProperty, (int)reader.TokenStartIndex);
                    }

                    continue;
                }

                if (reader.TokenType is JsonTokenType.EndObject or JsonTokenType.EndArray)
                {
                    stack.Pop();
                    continue;
                }

                string path;
                if (pendingProperty is not null)
                {
                    path = pendingProperty;
                    pendingProperty = null;
                }
                else if (stack.Count > 0 && stack.Peek().NextIndex >= 0)
                {
                    var (parentPath, index) = stack.Pop();
                    stack.Push((parentPath, index + 1));
                    path = $"{parentPath}[{index}]";
                    if (stack.Count <= MaxDepth)
                    {
                        Record(path, (int)reader.TokenStartIndex);
                    }
                }
                else
                {
                    path = "";
                }

                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    stack.Push((path, -1));
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    stack.Push((path, 0));
                }
            }
        }
        catch (JsonException)
        {
            // Only called on text JsonDocument accepted; if not, positions are simply unknown.
        }
    }

    private void Record(string path, int offset)
    {
        if (!_offsets.TryGetValue(path, out var offsets))
        {
            _offsets[path] = offsets = [];
        }

        offsets.Add(offset);
    }
}
