using System.Globalization;
using System.Text;

namespace Workspaces.Shared.Configuration;

/// <summary>A 1-based line and column in a configuration file.</summary>
internal readonly record struct TextPosition(long Line, long Column);

/// <summary>
/// Collects the warnings and errors of one configuration file, each prefixed with the file (and the line and column when
/// known) so that a user reading the workspace log knows where to look.
/// </summary>
/// <remarks>
/// Ignored keys are reported once per key path and file ("tasks[].openMode" used by five tasks is one warning), so a
/// long file does not bury the one message that matters. Messages are sorted by position (those without one come last,
/// in the order they were reported), and at most <see cref="MaxMessages"/> of each kind are kept: a hostile file must
/// not flood the workspace log.
/// </remarks>
internal sealed class ConfigProblems(string source)
{
    public const int MaxMessages = 50;

    private readonly List<(TextPosition? At, string Text)> _warnings = [];
    private readonly List<(TextPosition? At, string Text)> _errors = [];
    private readonly Dictionary<string, IgnoredKey> _ignored = new(StringComparer.Ordinal);
    private readonly List<string> _ignoredOrder = [];

    public string Source { get; } = source;

    public void Warning(TextPosition? at, string text) => _warnings.Add((at, text));

    public void Error(TextPosition? at, string text) => _errors.Add((at, text));

    /// <summary>Reports a key we do not act on; repeated uses of the same key path are folded into one warning.</summary>
    public void Ignored(string keyPath, TextPosition? at, string reason)
    {
        if (_ignored.TryGetValue(keyPath, out var existing))
        {
            existing.Count++;
            return;
        }

        _ignored.Add(keyPath, new IgnoredKey(at, reason));
        _ignoredOrder.Add(keyPath);
    }

    public IReadOnlyList<string> Errors => Render(_errors, "errors");

    public IReadOnlyList<string> Warnings
    {
        get
        {
            var all = new List<(TextPosition? At, string Text)>(_warnings.Count + _ignoredOrder.Count);
            foreach (var keyPath in _ignoredOrder)
            {
                var ignored = _ignored[keyPath];
                var times = ignored.Count > 1 ? string.Create(CultureInfo.InvariantCulture, $" ({ignored.Count} times)") : "";
                all.Add((ignored.At, $"{Quote(keyPath, maxLength: 80)}{times} is ignored: {ignored.Reason}."));
            }

            all.AddRange(_warnings);
            return Render(all, "warnings");
        }
    }

    private List<string> Render(List<(TextPosition? At, string Text)> messages, string kind)
    {
        // OrderBy is stable: messages without a position keep the order they were reported in.
        var ordered = messages.OrderBy(message => message.At is null).ThenBy(message => message.At?.Line).ThenBy(message => message.At?.Column).ToList();
        var result = ordered.Take(MaxMessages).Select(message => Format(message.At, message.Text)).ToList();
        if (ordered.Count > MaxMessages)
        {
            result.Add(Format(null, string.Create(CultureInfo.InvariantCulture, $"{ordered.Count - MaxMessages} more {kind} are not shown.")));
        }

        return result;
    }

    private string Format(TextPosition? at, string text) => at is { } position
        ? string.Create(CultureInfo.InvariantCulture, $"{Source} line {position.Line}, column {position.Column}: {text}")
        : $"{Source}: {text}";

    /// <summary>
    /// Makes a value from the file safe to quote in a message: bounded length, no control characters (a message is
    /// one line of the workspace log, and the file is untrusted).
    /// </summary>
    public static string Quote(string value, int maxLength = 60)
    {
        var builder = new StringBuilder(Math.Min(value.Length, maxLength) + 3);
        builder.Append('"');
        foreach (var rune in value.EnumerateRunes())
        {
            if (builder.Length > maxLength)
            {
                builder.Append('…');
                break;
            }

            if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator)
            {
                builder.Append(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}");
            }
            else
            {
                builder.Append(rune.ToString());
            }
        }

        builder.Append('"');
        return builder.ToString();
    }

    private sealed class IgnoredKey(TextPosition? at, string reason)
    {
        public TextPosition? At { get; } = at;

        public string Reason { get; } = reason;

        public int Count { get; set; } = 1;
    }
}
