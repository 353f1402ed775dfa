using Workspaces.Shared.Languages;

namespace Workspaces.Shared.Configuration;

/// <summary>
/// <c>.gitpod.yml</c>'s <c>languageServers</c> (ours, not Gitpod's): rows of the language server table by name,
/// <c>typescript: { command: deno, args: [lsp], languages: [typescript, javascript] }</c>. A row replaces the default of
/// the same name; <c>command: ""</c> turns it off.
/// </summary>
internal static class LanguageServersConfigParser
{
    public static void Parse(YNode value, ConfigFragment fragment)
    {
        var problems = fragment.Problems;
        if (value is YScalar { IsNull: true })
        {
            return;
        }

        if (value is not YMapping mapping)
        {
            problems.Error(value.Start, $"\"languageServers\" must be a mapping of names to servers (\"python: {{ command: pylsp }}\"), but it is {value.KindName}; the default language servers are used.");
            return;
        }

        foreach (var (name, _, row) in YamlEntries.Of(mapping, "languageServers.", problems))
        {
            if (row is not YMapping fields)
            {
                problems.Error(row.Start, $"\"languageServers.{name}\" must be a mapping with \"command\", but it is {row.KindName}; it is skipped.");
                continue;
            }

            string? command = null;
            List<string> arguments = [];
            List<string>? languages = null;
            foreach (var (key, keyNode, field) in YamlEntries.Of(fields, $"languageServers.{name}.", problems))
            {
                switch (key)
                {
                    case "command" when field is YScalar scalar:
                        command = scalar.IsNull ? "" : scalar.Value.Trim();
                        break;
                    case "args" when Strings(field) is { } list:
                        arguments = list;
                        break;
                    case "languages" when Strings(field) is { Count: > 0 } list:
                        languages = list;
                        break;
                    case "command" or "args" or "languages":
                        problems.Error(field.Start, $"\"languageServers.{name}.{key}\" has the wrong shape ({field.KindName}); the row is skipped.");
                        command = null;
                        goto skip;
                    default:
                        problems.Ignored($"languageServers.{name}.{key}", keyNode.Start, "it is not a key of a language server (command, args, languages)");
                        break;
                }
            }

            if (command is null)
            {
                problems.Error(fields.Start, $"\"languageServers.{name}\" has no \"command\"; it is skipped.");
                continue;
            }

            languages ??= LanguageServerDefaults.LanguagesOf(name);
            if (languages.Count == 0)
            {
                problems.Error(fields.Start, $"\"languageServers.{name}\" needs \"languages\" (Monaco language ids such as [python]); it is skipped.");
                continue;
            }

            fragment.LanguageServers.Add(new LanguageServerDefinition(name, languages, command, arguments, $"{command} is named in .gitpod.yml: install it in the workspace image"));
        skip:;
        }
    }

    private static List<string>? Strings(YNode node) => node switch
    {
        YScalar { IsNull: true } => [],
        YScalar scalar => [scalar.Value],
        YSequence sequence when sequence.Items.All(i => i is YScalar { IsNull: false }) => sequence.Items.Select(i => ((YScalar)i).Value).ToList(),
        _ => null,
    };
}
