using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Workspaces.Shared.Configuration;

/// <summary>
/// Reads a <c>devcontainer.json</c> (https://containers.dev/implementors/json_reference/): JSON with comments and trailing
/// commas. Used: <c>image</c>, <c>forwardPorts</c>, <c>appPort</c>, <c>portsAttributes</c>, <c>containerEnv</c>,
/// <c>remoteEnv</c> and the lifecycle commands. Everything else is reported once as ignored.
/// </summary>
/// <remarks>
/// The lifecycle commands become one task named <see cref="TaskName"/>, because their order matters and separate tasks
/// run side by side: <c>onCreateCommand</c>, <c>updateContentCommand</c> and <c>postCreateCommand</c>, in that order, are
/// its <c>init</c> (once per workspace); <c>postStartCommand</c> then <c>postAttachCommand</c> are its <c>command</c>
/// (every start; a workspace has no separate "attach"). A string runs as written; an array (exec form) is joined with
/// POSIX quoting; an object's named commands run in parallel, as the spec says: each in the background
/// (<c>sh -c '…' &amp;</c>, the way the devcontainer CLI runs a string), followed by <c>wait</c>, so all of them run and the
/// next stage starts when they are done.
/// </remarks>
internal static class DevcontainerConfigParser
{
    public const string TaskName = "Dev container";

    private static readonly JsonDocumentOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = YamlTreeBuilder.MaxDepth,
    };

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        MaxDepth = YamlTreeBuilder.MaxDepth,
    };

    private static readonly string[] CreateCommands = ["onCreateCommand", "updateContentCommand", "postCreateCommand"];
    private static readonly string[] StartCommands = ["postStartCommand", "postAttachCommand"];

    private static readonly HashSet<string> HandledKeys = new(StringComparer.Ordinal)
    {
        "image", "build", "dockerFile", "dockerfile", "dockerComposeFile",
        "forwardPorts", "appPort", "portsAttributes", "containerEnv", "remoteEnv",
        "onCreateCommand", "updateContentCommand", "postCreateCommand", "postStartCommand", "postAttachCommand",
        // Documentation only: they change nothing, so they are not worth a warning (see WorkspaceConfigReader).
        "name", "$schema",
    };

    private const string ContainerOptions = "container options are not applied; every workspace runs with the same settings";

    private static readonly Dictionary<string, string> IgnoredKeys = new(StringComparer.Ordinal)
    {
        ["features"] = "Dev Container Features are not installed; the image must already have the tools",
        ["customizations"] = "editor customizations are not applied",
        ["settings"] = "editor settings are not applied",
        ["extensions"] = "editor extensions are not installed",
        ["hostRequirements"] = "host requirements are not checked",
        ["mounts"] = "extra mounts are not supported",
        ["workspaceMount"] = "the repository is always mounted at its checkout directory",
        ["workspaceFolder"] = "the repository is always opened at its checkout directory",
        ["context"] = "it is only used to build a Dockerfile, and Dockerfiles are not built",
        ["service"] = "it is only used with Docker Compose, which is not started",
        ["runServices"] = "it is only used with Docker Compose, which is not started",
        ["initializeCommand"] = "it runs on the developer's own machine before the container exists, and there is no such machine here",
        ["waitFor"] = "the lifecycle commands always run in order in one task",
        ["otherPortsAttributes"] = "only declared ports get attributes",
        ["secrets"] = "recommended secrets are not asked for",
        ["runArgs"] = ContainerOptions,
        ["privileged"] = ContainerOptions,
        ["capAdd"] = ContainerOptions,
        ["securityOpt"] = ContainerOptions,
        ["init"] = ContainerOptions,
        ["overrideCommand"] = ContainerOptions,
        ["shutdownAction"] = ContainerOptions,
        ["containerUser"] = ContainerOptions,
        ["remoteUser"] = ContainerOptions,
        ["updateRemoteUserUID"] = ContainerOptions,
        ["userEnvProbe"] = ContainerOptions,
    };

    private static readonly Dictionary<string, PortOnOpen> OnAutoForwardValues = new(StringComparer.OrdinalIgnoreCase)
    {
        ["notify"] = PortOnOpen.Notify,
        ["openBrowser"] = PortOnOpen.OpenBrowser,
        ["openBrowserOnce"] = PortOnOpen.OpenBrowser,
        ["openPreview"] = PortOnOpen.OpenPreview,
        ["silent"] = PortOnOpen.Ignore,
        ["ignore"] = PortOnOpen.Ignore,
    };

    private static readonly HashSet<string> LocalHosts = new(StringComparer.OrdinalIgnoreCase) { "localhost", "127.0.0.1", "::1", "[::1]", "0.0.0.0" };

    public static ConfigFragment Parse(string text, string source, string? workspaceFolder)
    {
        var fragment = new ConfigFragment(source);
        var problems = fragment.Problems;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, Options);
        }
        catch (JsonException exception)
        {
            problems.Error(PositionOf(exception, text), $"{Describe(exception)}. Nothing from this file is used until this is fixed.");
            return fragment;
        }

        using (document)
        {
            try
            {
                Read(document.RootElement, text, fragment, workspaceFolder);
            }
            catch (InvalidOperationException)
            {
                // JsonElement.GetString() throws for an escape that is half a surrogate pair ("\ud800"), which the
                // parser itself accepts. Nothing read so far is kept: the file is treated like one with a syntax error.
                var failed = new ConfigFragment(source);
                failed.Problems.Error(null, "the file contains a \\u escape that is half of a UTF-16 surrogate pair (such as \\ud800), which is not a character. Nothing from this file is used until this is fixed.");
                return failed;
            }
        }

        return fragment;
    }

    private static void Read(JsonElement root, string text, ConfigFragment fragment, string? workspaceFolder)
    {
        var problems = fragment.Problems;
        if (root.ValueKind != JsonValueKind.Object)
        {
            problems.Error(null, $"the file must be a JSON object ({{ ... }}), but it is {KindName(root)}. Nothing from this file is used.");
            return;
        }

        var context = new Context(fragment, workspaceFolder, JsonPositions.Scan(text, ReaderOptions));
        var properties = Properties(root, "", context);
        foreach (var name in properties.Keys)
        {
            if (!HandledKeys.Contains(name))
            {
                context.Ignored(name, name, IgnoredKeys.GetValueOrDefault(name, "it is not a known devcontainer.json property (check the spelling)"));
            }
        }

        ParseImage(properties, context);
        ParseEnvironment(properties, context);
        ParsePorts(properties, context);
        ParseLifecycle(properties, context);
    }

    private static void ParseImage(Dictionary<string, JsonElement> properties, Context context)
    {
        var fragment = context.Fragment;
        if (properties.TryGetValue("image", out var image))
        {
            var value = image.ValueKind == JsonValueKind.String ? image.GetString()!.Trim() : null;
            if (value is not null && ConfigValues.IsImageReference(value))
            {
                fragment.Image = value;
            }
            else if (value is not "")
            {
                context.Error("image", $"\"image\" {(value is null ? $"must be text, but it is {KindName(image)}" : $"{ConfigProblems.Quote(value)} is not a container image name (like \"node:22\" or \"ghcr.io/org/image:tag\")")}; the default image is used.");
            }
        }

        string? unbuilt = null;
        string? unbuiltKey = null;
        if (properties.TryGetValue("dockerComposeFile", out var compose))
        {
            var files = compose.ValueKind switch
            {
                JsonValueKind.String => [compose.GetString()!],
                JsonValueKind.Array => compose.EnumerateArray().Where(item => item.ValueKind == JsonValueKind.String).Select(item => item.GetString()!).ToList(),
                _ => new List<string>(),
            };
            var shown = files.Count > 0 ? string.Join(", ", files.Select(file => ConfigProblems.Quote(file))) + " " : "";
            unbuilt = $"the Docker Compose file {shown}(\"dockerComposeFile\") is not started, so the services it defines (databases, caches) are not there";
            unbuiltKey = "dockerComposeFile";
        }
        else if (properties.TryGetValue("build", out var build))
        {
            var dockerfile = build.ValueKind == JsonValueKind.Object && build.TryGetProperty("dockerfile", out var file) && file.ValueKind == JsonValueKind.String
                ? file.GetString()!
                : "Dockerfile";
            unbuilt = $"the Dockerfile {ConfigProblems.Quote(dockerfile)} (\"build.dockerfile\") is not built (building images is not supported)";
            unbuiltKey = "build";
        }
        else if (properties.TryGetValue("dockerFile", out var legacy) || properties.TryGetValue("dockerfile", out legacy))
        {
            unbuiltKey = properties.ContainsKey("dockerFile") ? "dockerFile" : "dockerfile";
            var dockerfile = legacy.ValueKind == JsonValueKind.String ? legacy.GetString()! : "Dockerfile";
            unbuilt = $"the Dockerfile {ConfigProblems.Quote(dockerfile)} (\"dockerFile\") is not built (building images is not supported)";
        }

        if (unbuilt is null)
        {
            return;
        }

        if (fragment.Image is not null)
        {
            context.Warning(unbuiltKey!, $"{unbuilt}; \"image\" is used instead.");
            return;
        }

        fragment.UnbuiltImage = unbuilt;
        fragment.UnbuiltImageAt = context.At(unbuiltKey!);
    }

    private static void ParseEnvironment(Dictionary<string, JsonElement> properties, Context context)
    {
        var containerEnv = new Dictionary<string, string>(StringComparer.Ordinal);
        if (properties.TryGetValue("containerEnv", out var container))
        {
            ParseEnvironmentObject(container, "containerEnv", containerEnv, context, containerEnv);
        }

        var environment = context.Fragment.Environment;
        foreach (var (name, value) in containerEnv)
        {
            environment[name] = value;
        }

        if (properties.TryGetValue("remoteEnv", out var remote))
        {
            ParseEnvironmentObject(remote, "remoteEnv", environment, context, containerEnv);
        }
    }

    private static void ParseEnvironmentObject(JsonElement element, string key, Dictionary<string, string> target, Context context, IReadOnlyDictionary<string, string> containerEnv)
    {
        if (element.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            context.Error(key, $"\"{key}\" must be an object of \"NAME\": \"value\", but it is {KindName(element)}; no variable from it is set.");
            return;
        }

        foreach (var (name, value) in Properties(element, key, context))
        {
            var path = $"{key}.{name}";
            if (!ConfigValues.IsEnvironmentName(name))
            {
                context.Error(path, $"{key}: {ConfigProblems.Quote(name)} is not a valid environment variable name (letters, digits and \"_\", not starting with a digit); it is not set.");
                continue;
            }

            string text;
            switch (value.ValueKind)
            {
                case JsonValueKind.Null:
                    // remoteEnv: null unsets a variable containerEnv set.
                    target.Remove(name);
                    continue;
                case JsonValueKind.String:
                    text = value.GetString()!;
                    break;
                case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False:
                    text = value.GetRawText();
                    break;
                default:
                    context.Error(path, $"{key}.{name} must be text, but it is {KindName(value)}; it is not set.");
                    continue;
            }

            if (text.Contains('\0', StringComparison.Ordinal))
            {
                context.Error(path, $"{key}.{name} contains a NUL character, which an environment variable cannot hold; it is not set.");
                continue;
            }

            var unresolved = new List<string>();
            var localEnvironment = new List<string>();
            var expanded = DevcontainerVariables.Expand(text, forShell: false, context.WorkspaceFolder, containerEnv, unresolved, localEnvironment);
            if (unresolved.Count > 0)
            {
                context.Warning(path, $"{key}.{name} is not set: {string.Join(", ", unresolved.Distinct().Select(variable => ConfigProblems.Quote(variable)))} is only known inside a dev container. Set it in a task's \"before\" if you need it.");
                continue;
            }

            WarnLocalEnvironment(path, $"{key}.{name}", localEnvironment, context);
            target[name] = expanded;
        }
    }

    private static void WarnLocalEnvironment(string path, string where, List<string> localEnvironment, Context context)
    {
        if (localEnvironment.Count > 0)
        {
            context.Warning(path, $"{where} uses {string.Join(", ", localEnvironment.Distinct().Select(variable => ConfigProblems.Quote(variable)))}, the environment of the developer's own machine, which does not exist here; the default after the second \":\" or an empty value is used.");
        }
    }

    private static void ParsePorts(Dictionary<string, JsonElement> properties, Context context)
    {
        var fragment = context.Fragment;
        var declared = new List<int>();
        if (properties.TryGetValue("forwardPorts", out var forwardPorts))
        {
            if (forwardPorts.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var item in forwardPorts.EnumerateArray())
                {
                    AddForwardedPort(item, "forwardPorts", $"forwardPorts[{index++}]", declared, context);
                }
            }
            else
            {
                context.Error("forwardPorts", $"\"forwardPorts\" must be a list of ports, but it is {KindName(forwardPorts)}; no port from it is declared.");
            }
        }

        if (properties.TryGetValue("appPort", out var appPort))
        {
            var items = appPort.ValueKind == JsonValueKind.Array ? appPort.EnumerateArray().ToList() : [appPort];
            for (var index = 0; index < items.Count; index++)
            {
                var path = appPort.ValueKind == JsonValueKind.Array ? $"appPort[{index}]" : "appPort";
                // A string is Docker's publish syntax ("8000:8010"): the container's port is the last part.
                if (items[index].ValueKind == JsonValueKind.String && items[index].GetString()!.Split(':') is { Length: > 1 } parts)
                {
                    AddPort(parts[^1], "appPort", path, declared, context);
                }
                else
                {
                    AddForwardedPort(items[index], "appPort", path, declared, context);
                }
            }
        }

        var attributes = new List<(int Start, int? End, string? Label, PortOnOpen OnOpen)>();
        if (properties.TryGetValue("portsAttributes", out var portsAttributes))
        {
            if (portsAttributes.ValueKind == JsonValueKind.Object)
            {
                foreach (var (key, value) in Properties(portsAttributes, "portsAttributes", context))
                {
                    if (!ConfigValues.TryParsePortSpec(key, out var start, out var end))
                    {
                        context.Warning($"portsAttributes.{key}", $"portsAttributes {ConfigProblems.Quote(key)} is not a port or a port range (process patterns are not supported); it is ignored.");
                        continue;
                    }

                    if (ParseAttributes(value, key, context) is { } parsed)
                    {
                        attributes.Add((start, end, parsed.Label, parsed.OnOpen));
                    }
                }
            }
            else
            {
                context.Error("portsAttributes", $"\"portsAttributes\" must be an object whose keys are ports, but it is {KindName(portsAttributes)}; it is ignored.");
            }
        }

        foreach (var port in declared)
        {
            var match = attributes.FirstOrDefault(attribute => attribute.Start == port && attribute.End is null);
            if (match == default)
            {
                match = attributes.FirstOrDefault(attribute => attribute.Start <= port && port <= (attribute.End ?? attribute.Start));
            }

            fragment.Ports.Add(new PortConfig(port, null, match.Label, match == default ? PortOnOpen.Notify : match.OnOpen, PortVisibility.Private));
        }

        // Attributes of ports nobody forwards still say what to do when the app opens them.
        foreach (var attribute in attributes)
        {
            if (!fragment.Ports.Exists(existing => existing.Covers(attribute.Start) && existing.Covers(attribute.End ?? attribute.Start)))
            {
                fragment.Ports.Add(new PortConfig(attribute.Start, attribute.End, attribute.Label, attribute.OnOpen, PortVisibility.Private));
            }
        }
    }

    private static void AddForwardedPort(JsonElement item, string key, string path, List<int> declared, Context context)
    {
        switch (item.ValueKind)
        {
            case JsonValueKind.Number when item.TryGetInt32(out var number) && number is >= 1 and <= 65535:
                if (!declared.Contains(number))
                {
                    declared.Add(number);
                }

                return;
            case JsonValueKind.String:
                var text = item.GetString()!.Trim();
                var colon = text.LastIndexOf(':');
                if (colon > 0 && !LocalHosts.Contains(text[..colon]))
                {
                    context.Warning(path, $"{key}: {ConfigProblems.Quote(text)} forwards a port of another host or Docker Compose service, which does not run here; it is skipped.");
                    return;
                }

                AddPort(colon > 0 ? text[(colon + 1)..] : text, key, path, declared, context);
                return;
            default:
                context.Error(path, $"{key}: {ConfigProblems.Quote(item.GetRawText())} is not a port number (1-65535); it is skipped.");
                return;
        }
    }

    private static void AddPort(string text, string key, string path, List<int> declared, Context context)
    {
        if (!ConfigValues.TryParsePort(text.Trim(), out var port))
        {
            context.Error(path, $"{key}: {ConfigProblems.Quote(text)} is not a port number (1-65535); it is skipped.");
            return;
        }

        if (!declared.Contains(port))
        {
            declared.Add(port);
        }
    }

    private static (string? Label, PortOnOpen OnOpen)? ParseAttributes(JsonElement value, string port, Context context)
    {
        var path = $"portsAttributes.{port}";
        if (value.ValueKind != JsonValueKind.Object)
        {
            context.Error(path, $"portsAttributes {ConfigProblems.Quote(port)} must be an object such as {{ \"label\": \"App\" }}, but it is {KindName(value)}; it is ignored.");
            return null;
        }

        string? label = null;
        var onOpen = PortOnOpen.Notify;
        foreach (var (key, attribute) in Properties(value, path, context))
        {
            switch (key)
            {
                case "label":
                    label = attribute.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(attribute.GetString()) ? attribute.GetString()!.Trim() : null;
                    break;
                case "onAutoForward":
                    var text = attribute.ValueKind == JsonValueKind.String ? attribute.GetString()! : attribute.GetRawText();
                    if (!OnAutoForwardValues.TryGetValue(text, out onOpen))
                    {
                        onOpen = PortOnOpen.Notify;
                        context.Error($"{path}.{key}", $"portsAttributes {ConfigProblems.Quote(port)}: onAutoForward {ConfigProblems.Quote(text)} is not one of notify, openBrowser, openBrowserOnce, openPreview, silent, ignore; \"notify\" is used.");
                    }

                    break;
                default:
                    context.Ignored($"portsAttributes.*.{key}", $"{path}.{key}", "only \"label\" and \"onAutoForward\" are used");
                    break;
            }
        }

        return (label, onOpen);
    }

    private static void ParseLifecycle(Dictionary<string, JsonElement> properties, Context context)
    {
        var init = new List<string>();
        var command = new List<string>();
        var keys = new List<string>();
        foreach (var (stages, target) in new[] { (CreateCommands, init), (StartCommands, command) })
        {
            foreach (var key in stages)
            {
                if (properties.TryGetValue(key, out var value) && RenderStage(value, key, context) is { } rendered)
                {
                    target.Add(rendered);
                    keys.Add(key);
                }
            }
        }

        if (keys.Count == 0)
        {
            return;
        }

        context.Fragment.Tasks.Add(new WorkspaceTask(
            TaskName,
            Before: null,
            Init: init.Count > 0 ? string.Join('\n', init) : null,
            Command: command.Count > 0 ? string.Join('\n', command) : null,
            new Dictionary<string, string>(StringComparer.Ordinal)));
        context.Fragment.TaskKeys.AddRange(keys);
    }

    private static string? RenderStage(JsonElement value, string key, Context context)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Null:
                return null;
            case JsonValueKind.String or JsonValueKind.Array:
                return RenderCommand(value, key, context)?.Text;
            case JsonValueKind.Object:
                var commands = new List<(string Name, string Text, bool IsExecForm)>();
                foreach (var (name, entry) in Properties(value, key, context))
                {
                    if (RenderCommand(entry, $"{key}.{name}", context) is { } rendered)
                    {
                        commands.Add((name, rendered.Text, rendered.IsExecForm));
                    }
                }

                if (commands.Count <= 1)
                {
                    return commands.Count == 0 ? null : commands[0].Text;
                }

                var builder = new StringBuilder();
                builder.Append(CultureInfo.InvariantCulture, $"# {key}: {commands.Count} commands run in parallel, as in the dev container spec\n");
                foreach (var (name, text, isExecForm) in commands)
                {
                    // The name is untrusted text in a shell comment: Quote() escapes line breaks, so it cannot end the comment.
                    builder.Append(CultureInfo.InvariantCulture, $"# {ConfigProblems.Quote(name, maxLength: 80)}\n");
                    builder.Append(isExecForm ? text : "sh -c " + ShellQuoting.Quote(text)).Append(" &\n");
                }

                builder.Append("wait");
                return builder.ToString();
            default:
                context.Error(key, $"\"{key}\" must be a command (text), a list of arguments or an object of named commands, but it is {KindName(value)}; it is not run.");
                return null;
        }
    }

    private static (string Text, bool IsExecForm)? RenderCommand(JsonElement value, string where, Context context)
    {
        var unresolved = new List<string>();
        var localEnvironment = new List<string>();
        (string Text, bool IsExecForm)? result;
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var text = value.GetString()!.Trim();
                result = text.Length == 0 ? null : (DevcontainerVariables.Expand(text, forShell: true, context.WorkspaceFolder, EmptyEnvironment, unresolved, localEnvironment), false);
                break;
            case JsonValueKind.Array:
                var arguments = new List<string>();
                foreach (var argument in value.EnumerateArray())
                {
                    if (argument.ValueKind != JsonValueKind.String)
                    {
                        context.Error(where, $"\"{where}\": every argument must be text, but one is {KindName(argument)}; the command is not run.");
                        return null;
                    }

                    // Exec form has no shell, so ${containerEnv:X} stays a reference the shell must not expand: it is
                    // unresolved like in an environment value.
                    arguments.Add(DevcontainerVariables.Expand(argument.GetString()!, forShell: false, context.WorkspaceFolder, EmptyEnvironment, unresolved, localEnvironment));
                }

                result = arguments.Count == 0 ? null : (ShellQuoting.Join(arguments), true);
                break;
            case JsonValueKind.Null:
                return null;
            default:
                context.Error(where, $"\"{where}\" must be a command (text) or a list of arguments, but it is {KindName(value)}; it is not run.");
                return null;
        }

        if (result is not null && result.Value.Text.Contains('\0', StringComparison.Ordinal))
        {
            context.Error(where, $"\"{where}\" contains a NUL character; it is not run.");
            return null;
        }

        if (unresolved.Count > 0)
        {
            context.Warning(where, $"\"{where}\" uses {string.Join(", ", unresolved.Distinct().Select(variable => ConfigProblems.Quote(variable)))}, which cannot be resolved here; it is left as written.");
        }

        WarnLocalEnvironment(where, $"\"{where}\"", localEnvironment, context);
        return result;
    }

    private static readonly Dictionary<string, string> EmptyEnvironment = new(StringComparer.Ordinal);

    /// <summary>An object's properties; duplicates are reported and the last one wins (as in VS Code's JSONC parser).</summary>
    private static Dictionary<string, JsonElement> Properties(JsonElement element, string path, Context context)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            if (!result.TryAdd(property.Name, property.Value))
            {
                var propertyPath = path.Length == 0 ? property.Name : $"{path}.{property.Name}";
                var first = context.At(propertyPath, first: true) is { } at ? string.Create(CultureInfo.InvariantCulture, $" (first on line {at.Line})") : "";
                context.Error(propertyPath, $"duplicate key {ConfigProblems.Quote(propertyPath)}{first}; the last one is used.");
                result[property.Name] = property.Value;
            }
        }

        return result;
    }

    private static string KindName(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        JsonValueKind.String => "text",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "true/false",
        JsonValueKind.Null => "null",
        _ => "empty",
    };

    /// <summary>JsonException counts lines from 0 and columns in UTF-8 bytes; users count lines from 1 and columns in characters.</summary>
    private static TextPosition? PositionOf(JsonException exception, string text)
    {
        if (exception.LineNumber is not { } lineIndex || exception.BytePositionInLine is not { } bytePosition)
        {
            return null;
        }

        var lineStart = 0;
        for (long i = 0; i < lineIndex && lineStart >= 0; i++)
        {
            lineStart = text.IndexOf('\n', lineStart);
            lineStart = lineStart < 0 ? -1 : lineStart + 1;
        }

        if (lineStart < 0)
        {
            return new TextPosition(lineIndex + 1, bytePosition + 1);
        }

        var lineEnd = text.IndexOf('\n', lineStart);
        var line = text.AsSpan(lineStart, (lineEnd < 0 ? text.Length : lineEnd) - lineStart);
        var bytes = Encoding.UTF8.GetBytes(line.ToArray());
        var column = Encoding.UTF8.GetCharCount(bytes, 0, (int)Math.Min(bytePosition, bytes.Length)) + 1;
        return new TextPosition(lineIndex + 1, column);
    }

    /// <summary>System.Text.Json's message without its "Path: $ | LineNumber: …" tail, which the position already says.</summary>
    private static string Describe(JsonException exception)
    {
        var message = exception.Message;
        var tail = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (tail < 0)
        {
            tail = message.IndexOf(" LineNumber: ", StringComparison.Ordinal);
        }

        message = (tail >= 0 ? message[..tail] : message).Trim().TrimEnd('.');
        if (message.Contains("maximum configured depth", StringComparison.Ordinal))
        {
            return string.Create(CultureInfo.InvariantCulture, $"objects and lists are nested more than {YamlTreeBuilder.MaxDepth} levels deep");
        }

        if (message.Contains("does not contain any JSON tokens", StringComparison.Ordinal))
        {
            return "the file has no JSON in it (only comments or white space); it must contain an object: { ... }";
        }

        if (message.Contains("is invalid after a value", StringComparison.Ordinal) || message.Contains("is invalid after a property name", StringComparison.Ordinal))
        {
            message += " (is a comma or a colon missing just before it?)";
        }

        return message.Length > 1 && char.IsUpper(message[0]) && char.IsLower(message[1])
            ? char.ToLowerInvariant(message[0]) + message[1..]
            : message;
    }

    private sealed class Context(ConfigFragment fragment, string? workspaceFolder, JsonPositions positions)
    {
        public ConfigFragment Fragment { get; } = fragment;

        public string? WorkspaceFolder { get; } = workspaceFolder;

        public TextPosition? At(string path, bool first = false) => positions.Of(path, first);

        public void Error(string path, string text) => Fragment.Problems.Error(At(path), text);

        public void Warning(string path, string text) => Fragment.Problems.Warning(At(path), text);

        public void Ignored(string keyPath, string path, string reason) => Fragment.Problems.Ignored(keyPath, At(path), reason);
    }
}
