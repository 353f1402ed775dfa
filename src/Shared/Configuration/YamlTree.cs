using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Workspaces.Shared.Configuration;

/// <summary>A YAML node with its position, built by <see cref="YamlTreeBuilder"/>.</summary>
internal abstract class YNode(TextPosition start)
{
    public TextPosition Start { get; } = start;

    public abstract string KindName { get; }
}

internal sealed class YScalar(TextPosition start, string value, ScalarStyle style) : YNode(start)
{
    public ScalarStyle Style { get; } = style;

    public string Value { get; } = value;

    /// <summary>A plain <c>~</c>, <c>null</c> or nothing at all (<c>key:</c>) is YAML's null; a quoted "null" is text.</summary>
    public bool IsNull => Style is ScalarStyle.Plain && Value is "" or "~" or "null" or "Null" or "NULL";

    public bool IsPlain => Style is ScalarStyle.Plain;

    public override string KindName => IsNull ? "empty" : "text";
}

internal sealed class YSequence(TextPosition start, List<YNode> items) : YNode(start)
{
    public YSequence(TextPosition start)
        : this(start, [])
    {
    }

    public List<YNode> Items { get; } = items;

    public override string KindName => "a list";
}

internal sealed class YMapping(TextPosition start, List<KeyValuePair<YNode, YNode>> entries) : YNode(start)
{
    public YMapping(TextPosition start)
        : this(start, [])
    {
    }

    public List<KeyValuePair<YNode, YNode>> Entries { get; } = entries;

    public override string KindName => "a mapping";
}

/// <summary>What <see cref="YamlTreeBuilder.Build"/> produced: the first document's root (null for an empty file), or an error.</summary>
internal sealed record YamlBuildResult(YNode? Root, TextPosition? ErrorAt, string? Error, TextPosition? ExtraDocumentAt);

/// <summary>
/// Builds a small node tree from YamlDotNet's event stream instead of using <c>YamlStream</c>, so that hostile input
/// stays cheap:
/// <list type="bullet">
/// <item>Nesting is limited to <see cref="MaxDepth"/> and checked while events stream in. YamlDotNet's scanner is
/// quadratic in flow nesting (a 1 MiB file of <c>[</c> takes minutes to scan to the end) and <c>YamlStream</c> builds
/// nodes recursively (deep input could overflow the stack, which no catch survives); stopping at the limit avoids both.</item>
/// <item>An alias is an O(1) view of the anchored node (its own position, the children shared, never copied), and anchors
/// are registered only when their node is complete, so the tree is acyclic and its size is bounded by the text
/// ("billion laughs" stays a few hundred nodes). Nothing walks the tree deeper than the keys it knows.</item>
/// <item>Merge keys (<c>&lt;&lt;: *defaults</c>) are expanded once per mapping with a global budget of
/// <see cref="MaxMergedEntries"/> copied entries.</item>
/// </list>
/// </summary>
internal static class YamlTreeBuilder
{
    public const int MaxDepth = 64;
    public const int MaxMergedEntries = 100_000;

    public static YamlBuildResult Build(string text)
    {
        var parser = new Parser(new StringReader(text));
        var anchors = new Dictionary<string, YNode>(StringComparer.Ordinal);
        var stack = new Stack<Frame>();
        YNode? root = null;
        var sawDocument = false;
        var mergedBudget = MaxMergedEntries;
        TextPosition? lastPosition = null;
        try
        {
            while (MoveNext(parser, lastPosition))
            {
                var current = parser.Current!;
                lastPosition = Position(current.End);
                YNode? completed = null;
                string? completedAnchor = null;
                switch (current)
                {
                    case DocumentStart when sawDocument:
                        return new YamlBuildResult(root, null, null, Position(current.Start));
                    case DocumentStart:
                        sawDocument = true;
                        continue;
                    case Scalar scalar:
                        completed = new YScalar(Position(scalar.Start), scalar.Value, scalar.Style);
                        completedAnchor = AnchorOf(scalar);
                        break;
                    case AnchorAlias alias:
                        if (!anchors.TryGetValue(alias.Value.Value, out var target))
                        {
                            return Failed(alias.Start, $"the alias *{alias.Value.Value} refers to an anchor (&{alias.Value.Value}) that is not defined before it");
                        }

                        completed = AtAlias(target, Position(alias.Start));
                        break;
                    case SequenceStart sequenceStart:
                        if (stack.Count >= MaxDepth)
                        {
                            return Failed(sequenceStart.Start, $"lists and mappings are nested more than {MaxDepth} levels deep");
                        }

                        stack.Push(new Frame(new YSequence(Position(sequenceStart.Start)), AnchorOf(sequenceStart)));
                        continue;
                    case MappingStart mappingStart:
                        if (stack.Count >= MaxDepth)
                        {
                            return Failed(mappingStart.Start, $"lists and mappings are nested more than {MaxDepth} levels deep");
                        }

                        stack.Push(new Frame(new YMapping(Position(mappingStart.Start)), AnchorOf(mappingStart)));
                        continue;
                    case SequenceEnd or MappingEnd:
                        var frame = stack.Pop();
                        completed = frame.Node;
                        completedAnchor = frame.Anchor;
                        if (completed is YMapping mapping)
                        {
                            var error = ApplyMergeKeys(mapping, ref mergedBudget);
                            if (error is not null)
                            {
                                return new YamlBuildResult(null, mapping.Start, error, null);
                            }
                        }

                        break;
                    default:
                        continue;
                }

                if (completedAnchor is not null)
                {
                    anchors[completedAnchor] = completed;
                }

                if (stack.Count == 0)
                {
                    root = completed;
                    continue;
                }

                var parent = stack.Peek();
                switch (parent.Node)
                {
                    case YSequence sequence:
                        sequence.Items.Add(completed);
                        break;
                    case YMapping mapping when parent.PendingKey is null:
                        parent.PendingKey = completed;
                        break;
                    case YMapping mapping:
                        mapping.Entries.Add(new(parent.PendingKey, completed));
                        parent.PendingKey = null;
                        break;
                }
            }
        }
        catch (ScannerFault fault)
        {
            return new YamlBuildResult(null, fault.At, "the YAML cannot be read from here on; look for a \"[\", \"{\" or quote that is not closed", null);
        }
        catch (YamlException exception)
        {
            if (exception.Message.Contains("tab", StringComparison.OrdinalIgnoreCase) && FindIndentingTab(text, exception.Start.Line) is { } tab)
            {
                // YamlDotNet points at the mapping that contains the tab; the user needs the line with the tab.
                return new YamlBuildResult(null, tab, "a tab is used for indentation; YAML only allows spaces", null);
            }

            return Failed(exception.Start, Describe(exception.Message));
        }

        return new YamlBuildResult(root, null, null, null);
    }

    /// <summary>
    /// YamlDotNet's scanner throws exceptions other than <see cref="YamlException"/> on some malformed input (an unclosed
    /// flow collection followed by a plain scalar, "- {\nt", throws InvalidOperationException; see
    /// https://github.com/aaubry/YamlDotNet/issues/541). Only failures inside the parser are turned into a syntax error
    /// here, so that a bug in our own code is not mistaken for the user's.
    /// </summary>
    private static bool MoveNext(Parser parser, TextPosition? lastPosition)
    {
        try
        {
            return parser.MoveNext();
        }
        catch (Exception exception) when (exception is not (YamlException or OutOfMemoryException))
        {
            throw new ScannerFault(lastPosition ?? new TextPosition(1, 1), exception);
        }
    }

    private sealed class ScannerFault(TextPosition at, Exception inner) : Exception(inner.Message, inner)
    {
        public TextPosition At { get; } = at;
    }

    private static TextPosition? FindIndentingTab(string text, long fromLine)
    {
        var line = 1L;
        var lineStart = 0;
        while (lineStart <= text.Length)
        {
            if (line >= fromLine)
            {
                for (var i = lineStart; i < text.Length && text[i] is ' ' or '\t'; i++)
                {
                    if (text[i] == '\t')
                    {
                        return new TextPosition(line, i - lineStart + 1);
                    }
                }
            }

            var next = text.IndexOf('\n', lineStart);
            if (next < 0)
            {
                return null;
            }

            lineStart = next + 1;
            line++;
        }

        return null;
    }

    /// <summary>
    /// The anchored node as seen from where the alias is used, so that messages point there. The children are shared,
    /// not copied: this is O(1) whatever the node holds.
    /// </summary>
    private static YNode AtAlias(YNode target, TextPosition at) => target switch
    {
        YScalar scalar => new YScalar(at, scalar.Value, scalar.Style),
        YSequence sequence => new YSequence(at, sequence.Items),
        YMapping mapping => new YMapping(at, mapping.Entries),
        _ => target,
    };

    private static YamlBuildResult Failed(Mark at, string message) => new(null, Position(at), message, null);

    private static TextPosition Position(Mark mark) => new(mark.Line, mark.Column);

    private static string? AnchorOf(NodeEvent node) => node.Anchor.IsEmpty ? null : node.Anchor.Value;

    /// <summary>
    /// Expands <c>&lt;&lt;</c> entries (YAML 1.1 merge keys, which Gitpod's Go parser honours): keys of the mapping itself win,
    /// then earlier merged mappings win over later ones.
    /// </summary>
    private static string? ApplyMergeKeys(YMapping mapping, ref int budget)
    {
        if (!mapping.Entries.Exists(entry => entry.Key is YScalar { Value: "<<", IsPlain: true }))
        {
            return null;
        }

        var own = mapping.Entries.Where(entry => entry.Key is not YScalar { Value: "<<", IsPlain: true }).ToList();
        var present = new HashSet<string>(own.Select(entry => (entry.Key as YScalar)?.Value).OfType<string>(), StringComparer.Ordinal);
        var merged = new List<KeyValuePair<YNode, YNode>>();
        foreach (var mergeEntry in mapping.Entries.Where(entry => entry.Key is YScalar { Value: "<<", IsPlain: true }))
        {
            List<YMapping> sources;
            if (mergeEntry.Value is YMapping single)
            {
                sources = [single];
            }
            else if (mergeEntry.Value is YSequence sequence && sequence.Items.TrueForAll(item => item is YMapping))
            {
                sources = sequence.Items.Cast<YMapping>().ToList();
            }
            else
            {
                return "a merge key (<<) must refer to a mapping or a list of mappings";
            }

            foreach (var source in sources)
            {
                foreach (var entry in source.Entries)
                {
                    if (--budget < 0)
                    {
                        return string.Create(CultureInfo.InvariantCulture, $"merge keys (<<) copy more than {MaxMergedEntries} entries in total");
                    }

                    if (entry.Key is YScalar key && present.Add(key.Value))
                    {
                        merged.Add(entry);
                    }
                }
            }
        }

        mapping.Entries.Clear();
        mapping.Entries.AddRange(own);
        mapping.Entries.AddRange(merged);
        return null;
    }

    /// <summary>Turns YamlDotNet's messages into plain words, with a hint for the mistakes people actually make.</summary>
    private static string Describe(string message)
    {
        if (message.Contains("found invalid mapping", StringComparison.Ordinal) || message.Contains("Mapping values are not allowed", StringComparison.Ordinal))
        {
            return "mapping values are not allowed here (a value containing \": \" must be quoted, or the indentation is wrong)";
        }

        if (message.Contains("did not find expected '-' indicator", StringComparison.Ordinal))
        {
            return "expected a list item (\"- \") here; check the indentation of this line";
        }

        if (message.Contains("did not find expected key", StringComparison.Ordinal))
        {
            return "expected a key here; check the indentation of this line";
        }

        if (message.Contains("While scanning a quoted scalar, found unexpected end of stream", StringComparison.Ordinal))
        {
            return "a quoted value is not closed (the closing quote is missing)";
        }

        if (message.Contains("did not find expected node content", StringComparison.Ordinal))
        {
            return "a value is missing or incomplete here";
        }

        if (message.Contains("found character that cannot start any token", StringComparison.Ordinal))
        {
            return "found a character that cannot start a value here (tabs cannot be used for indentation; \"@\" and \"`\" must be quoted)";
        }

        var trimmed = message.Trim().TrimEnd('.');
        return trimmed.Length > 1 && char.IsUpper(trimmed[0]) && char.IsLower(trimmed[1])
            ? char.ToLowerInvariant(trimmed[0]) + trimmed[1..]
            : trimmed;
    }

    private sealed class Frame(YNode node, string? anchor)
    {
        public YNode Node { get; } = node;

        public string? Anchor { get; } = anchor;

        public YNode? PendingKey { get; set; }
    }
}
