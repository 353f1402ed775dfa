using System.Globalization;

namespace Workspaces.Shared.Configuration;

/// <summary>
/// Reads a <c>.gitpod.yml</c> (https://www.gitpod.io/docs/references/gitpod-yml): <c>image</c>, <c>tasks</c> and
/// <c>ports</c>. Everything else is reported once as ignored; invalid values are errors that skip only what they spoil.
/// </summary>
internal static class GitpodConfigParser
{
    private static readonly Dictionary<string, string> IgnoredTopLevelKeys = new(StringComparer.Ordinal)
    {
        ["vscode"] = "VS Code extensions are not installed",
        ["jetbrains"] = "JetBrains IDE settings are not used",
        ["github"] = "prebuilds are not supported",
        ["gitlab"] = "prebuilds are not supported",
        ["bitbucket"] = "prebuilds are not supported",
        ["gitConfig"] = "Git settings from .gitpod.yml are not applied",
        ["workspaceLocation"] = "the workspace always opens at the root of the repository",
        ["checkoutLocation"] = "the repository is always checked out at the root of the workspace",
        ["additionalRepositories"] = "only one repository is cloned per workspace",
        ["mainConfiguration"] = "multi-repository workspaces are not supported",
        ["coreDump"] = "core dump settings are not supported",
        ["experimentalNetwork"] = "network settings are not supported",
    };

    private static readonly Dictionary<string, PortOnOpen> OnOpenValues = new(StringComparer.OrdinalIgnoreCase)
    {
        ["notify"] = PortOnOpen.Notify,
        ["open-preview"] = PortOnOpen.OpenPreview,
        ["open-browser"] = PortOnOpen.OpenBrowser,
        ["ignore"] = PortOnOpen.Ignore,
        ["ignore-completely"] = PortOnOpen.Ignore,
    };

    public static ConfigFragment Parse(string text, string source)
    {
        var fragment = new ConfigFragment(source);
        var problems = fragment.Problems;
        var built = YamlTreeBuilder.Build(text);
        if (built.Error is not null)
        {
            problems.Error(built.ErrorAt, $"{built.Error}. Nothing from this file is used until this is fixed.");
            return fragment;
        }

        if (built.ExtraDocumentAt is { } extra)
        {
            problems.Warning(extra, "only the first YAML document is used; everything from this \"---\" on is ignored.");
        }

        switch (built.Root)
        {
            case null or YScalar { IsNull: true }:
                return fragment;
            case not YMapping:
                problems.Error(built.Root.Start, $"the file must be a mapping of keys such as \"tasks:\" and \"ports:\", but it is {built.Root.KindName}. Nothing from this file is used.");
                return fragment;
        }

        foreach (var (key, keyNode, value) in YamlEntries.Of((YMapping)built.Root, "", problems))
        {
            switch (key)
            {
                case "image":
                    ParseImage(keyNode, value, fragment);
                    break;
                case "tasks":
                    ParseTasks(value, fragment);
                    break;
                case "ports":
                    ParsePorts(value, fragment);
                    break;
                case "languageServers":
                    LanguageServersConfigParser.Parse(value, fragment);
                    break;
                default:
                    problems.Ignored(key, keyNode.Start, IgnoredTopLevelKeys.GetValueOrDefault(key, "it is not a known .gitpod.yml key (check the spelling)"));
                    break;
            }
        }

        return fragment;
    }

    private static void ParseImage(YScalar keyNode, YNode value, ConfigFragment fragment)
    {
        var problems = fragment.Problems;
        switch (value)
        {
            case YScalar { IsNull: true }:
                return;
            case YScalar scalar when ConfigValues.IsImageReference(scalar.Value.Trim()):
                fragment.Image = scalar.Value.Trim();
                return;
            case YScalar scalar:
                problems.Error(scalar.Start, $"\"image\" {ConfigProblems.Quote(scalar.Value)} is not a container image name (like \"node:22\" or \"ghcr.io/org/image:tag\"); the default image is used.");
                return;
            case YMapping mapping:
                string? file = null;
                foreach (var (key, imageKeyNode, entryValue) in YamlEntries.Of(mapping, "image.", problems))
                {
                    switch (key)
                    {
                        case "file" when entryValue is YScalar { IsNull: false } fileScalar:
                            file = fileScalar.Value;
                            break;
                        case "file":
                            problems.Error(entryValue.Start, $"\"image.file\" must be the path of a Dockerfile, but it is {entryValue.KindName}.");
                            break;
                        case "context":
                            break;
                        default:
                            problems.Ignored($"image.{key}", imageKeyNode.Start, "it is not a known key of \"image\"");
                            break;
                    }
                }

                if (file is null)
                {
                    problems.Error(mapping.Start, "\"image\" must be an image name or \"file: <Dockerfile>\"; the default image is used.");
                    return;
                }

                fragment.UnbuiltImage = $"the Dockerfile {ConfigProblems.Quote(file)} (\"image.file\") is not built (building images is not supported)";
                fragment.UnbuiltImageAt = keyNode.Start;
                return;
            default:
                problems.Error(value.Start, $"\"image\" must be an image name or \"file: <Dockerfile>\", but it is {value.KindName}; the default image is used.");
                return;
        }
    }

    private static void ParseTasks(YNode value, ConfigFragment fragment)
    {
        var problems = fragment.Problems;
        if (value is YScalar { IsNull: true })
        {
            return;
        }

        if (value is not YSequence sequence)
        {
            problems.Error(value.Start, $"\"tasks\" must be a list of tasks (\"- init: ...\"), but it is {value.KindName}; no task from this file is run.");
            return;
        }

        var number = 0;
        foreach (var item in sequence.Items)
        {
            number++;
            if (item is YScalar { IsNull: true })
            {
                problems.Warning(item.Start, string.Create(CultureInfo.InvariantCulture, $"task {number} is empty and is skipped."));
                continue;
            }

            if (item is not YMapping mapping)
            {
                problems.Error(item.Start, string.Create(CultureInfo.InvariantCulture, $"task {number} must be a mapping with \"init\" and \"command\" keys, but it is {item.KindName}; it is skipped."));
                continue;
            }

            if (ParseTask(mapping, number, problems) is { } task)
            {
                fragment.Tasks.Add(task);
            }
        }
    }

    private static WorkspaceTask? ParseTask(YMapping mapping, int number, ConfigProblems problems)
    {
        var entries = YamlEntries.Of(mapping, "tasks[].", problems);
        var name = entries.Where(entry => entry.Key == "name").Select(entry => entry.Value).OfType<YScalar>().FirstOrDefault(scalar => !scalar.IsNull)?.Value.Trim();
        if (string.IsNullOrEmpty(name))
        {
            name = null;
        }

        var label = name is null ? string.Create(CultureInfo.InvariantCulture, $"task {number}") : $"task {ConfigProblems.Quote(name)}";
        string? before = null, init = null, command = null;
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var valid = true;
        foreach (var (key, keyNode, value) in entries)
        {
            switch (key)
            {
                case "name":
                    if (value is not YScalar)
                    {
                        problems.Error(value.Start, $"{label}: \"name\" must be text, but it is {value.KindName}; a number is used instead.");
                    }

                    break;
                case "before" or "init" or "command":
                    if (value is not YScalar scalar)
                    {
                        problems.Error(value.Start, $"{label}: \"{key}\" must be text (use \"|\" for several lines), but it is {value.KindName}; the task is skipped.");
                        valid = false;
                        break;
                    }

                    var script = scalar.IsNull || string.IsNullOrWhiteSpace(scalar.Value) ? null : scalar.Value;
                    if (key == "before")
                    {
                        before = script;
                    }
                    else if (key == "init")
                    {
                        init = script;
                    }
                    else
                    {
                        command = script;
                    }

                    break;
                case "env":
                    ParseEnvironment(value, label, environment, problems);
                    break;
                case "openMode":
                    problems.Ignored("tasks[].openMode", keyNode.Start, "every task gets its own terminal tab");
                    break;
                case "prebuild":
                    problems.Ignored("tasks[].prebuild", keyNode.Start, "prebuilds are not supported");
                    break;
                default:
                    problems.Ignored($"tasks[].{key}", keyNode.Start, "it is not a known task key (use \"before\", \"init\", \"command\", \"env\" or \"name\")");
                    break;
            }
        }

        if (!valid)
        {
            return null;
        }

        if (before is null && init is null && command is null)
        {
            problems.Warning(mapping.Start, $"{label} has no \"before\", \"init\" or \"command\" and is skipped.");
            return null;
        }

        return new WorkspaceTask(name ?? string.Create(CultureInfo.InvariantCulture, $"Task {number}"), before, init, command, environment);
    }

    private static void ParseEnvironment(YNode value, string label, Dictionary<string, string> environment, ConfigProblems problems)
    {
        if (value is YScalar { IsNull: true })
        {
            return;
        }

        if (value is not YMapping mapping)
        {
            problems.Error(value.Start, $"{label}: \"env\" must be a mapping of NAME: value, but it is {value.KindName}; no variable is set.");
            return;
        }

        foreach (var (name, keyNode, entryValue) in YamlEntries.Of(mapping, "tasks[].env.", problems))
        {
            if (!ConfigValues.IsEnvironmentName(name))
            {
                problems.Error(keyNode.Start, $"{label}: {ConfigProblems.Quote(name)} is not a valid environment variable name (letters, digits and \"_\", not starting with a digit); it is not set.");
                continue;
            }

            if (entryValue is not YScalar scalar)
            {
                problems.Error(entryValue.Start, $"{label}: the value of {name} must be text, but it is {entryValue.KindName}; it is not set.");
                continue;
            }

            // Numbers and booleans are YAML scalars too: their text is what a shell would see.
            environment[name] = scalar.IsNull ? "" : scalar.Value;
        }
    }

    private static void ParsePorts(YNode value, ConfigFragment fragment)
    {
        var problems = fragment.Problems;
        if (value is YScalar { IsNull: true })
        {
            return;
        }

        if (value is not YSequence sequence)
        {
            problems.Error(value.Start, $"\"ports\" must be a list (\"- port: 3000\"), but it is {value.KindName}; no port from this file is declared.");
            return;
        }

        var declaredAt = new List<(PortConfig Port, TextPosition At)>();
        foreach (var item in sequence.Items)
        {
            if (item is YScalar { IsNull: true })
            {
                continue;
            }

            if (item is not YMapping mapping)
            {
                problems.Error(item.Start, $"a port must be a mapping such as \"port: 3000\", but it is {item.KindName}; it is skipped.");
                continue;
            }

            if (ParsePort(mapping, problems) is not { } port)
            {
                continue;
            }

            var duplicate = declaredAt.FirstOrDefault(existing => existing.Port.Covers(port.Port) && existing.Port.Covers(port.PortRangeEnd ?? port.Port));
            if (duplicate.Port is not null)
            {
                problems.Warning(mapping.Start, $"port {Describe(port)} is already declared on line {duplicate.At.Line}; this declaration is ignored.");
                continue;
            }

            declaredAt.Add((port, mapping.Start));
            fragment.Ports.Add(port);
        }
    }

    private static PortConfig? ParsePort(YMapping mapping, ConfigProblems problems)
    {
        int? start = null;
        int? end = null;
        string? name = null;
        var onOpen = PortOnOpen.Notify;
        var visibility = PortVisibility.Private;
        var sawPort = false;
        foreach (var (key, keyNode, value) in YamlEntries.Of(mapping, "ports[].", problems))
        {
            switch (key)
            {
                case "port":
                    sawPort = true;
                    if (value is YScalar { IsNull: false } portScalar && ConfigValues.TryParsePortSpec(portScalar.Value, out var first, out var last))
                    {
                        start = first;
                        end = last;
                    }
                    else
                    {
                        var shown = value is YScalar shownScalar ? ConfigProblems.Quote(shownScalar.Value) : value.KindName;
                        problems.Error(value.Start, $"port {shown} is not a port number (1-65535) or a range like \"3000-3010\"; it is skipped.");
                        return null;
                    }

                    break;
                case "name":
                    name = value is YScalar { IsNull: false } nameScalar && !string.IsNullOrWhiteSpace(nameScalar.Value) ? nameScalar.Value.Trim() : null;
                    break;
                case "onOpen":
                    var onOpenText = (value as YScalar)?.Value.Trim() ?? "";
                    if (!OnOpenValues.TryGetValue(onOpenText, out onOpen))
                    {
                        onOpen = PortOnOpen.Notify;
                        problems.Error(value.Start, $"onOpen {ConfigProblems.Quote(onOpenText)} is not one of notify, open-preview, open-browser, ignore; \"notify\" is used.");
                    }

                    break;
                case "visibility":
                    var visibilityText = (value as YScalar)?.Value.Trim() ?? "";
                    if (visibilityText.Equals("public", StringComparison.OrdinalIgnoreCase))
                    {
                        visibility = PortVisibility.Public;
                    }
                    else if (!visibilityText.Equals("private", StringComparison.OrdinalIgnoreCase))
                    {
                        problems.Error(value.Start, $"visibility {ConfigProblems.Quote(visibilityText)} is not \"private\" or \"public\"; \"private\" is used.");
                    }

                    break;
                case "description":
                    // Documentation only: it changes nothing, so it is not worth a warning (see WorkspaceConfigReader).
                    break;
                case "protocol":
                    problems.Ignored("ports[].protocol", keyNode.Start, "previews are always served over the preview proxy's own protocol");
                    break;
                default:
                    problems.Ignored($"ports[].{key}", keyNode.Start, "it is not a known port key (use \"port\", \"name\", \"onOpen\" or \"visibility\")");
                    break;
            }
        }

        if (start is null)
        {
            if (!sawPort)
            {
                problems.Error(mapping.Start, "a port entry has no \"port\"; it is skipped.");
            }

            return null;
        }

        return new PortConfig(start.Value, end, name, onOpen, visibility);
    }

    private static string Describe(PortConfig port) => port.PortRangeEnd is { } end
        ? string.Create(CultureInfo.InvariantCulture, $"{port.Port}-{end}")
        : port.Port.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Reads a mapping's entries once: non-text keys and duplicate keys are reported, and the last duplicate wins.</summary>
internal static class YamlEntries
{
    public static List<(string Key, YScalar KeyNode, YNode Value)> Of(YMapping mapping, string pathPrefix, ConfigProblems problems)
    {
        var result = new List<(string Key, YScalar KeyNode, YNode Value)>(mapping.Entries.Count);
        var indexByKey = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in mapping.Entries)
        {
            if (keyNode is not YScalar { IsNull: false } key)
            {
                problems.Error(keyNode.Start, $"a key must be a name, but this one is {keyNode.KindName}; the entry is skipped.");
                continue;
            }

            if (indexByKey.TryGetValue(key.Value, out var index))
            {
                problems.Error(key.Start, $"duplicate key {ConfigProblems.Quote(pathPrefix + key.Value)} (first on line {result[index].KeyNode.Start.Line}); the last one is used.");
                result[index] = (key.Value, key, value);
                continue;
            }

            indexByKey.Add(key.Value, result.Count);
            result.Add((key.Value, key, value));
        }

        return result;
    }
}
