using Workspaces.Shared.Configuration;

namespace Workspaces.Shared.Tests.Configuration;

public sealed class DevcontainerParserTests
{
    private const string Source = ".devcontainer/devcontainer.json";

    [Fact]
    public void ParseDevcontainer_CommentsAndTrailingCommas_AreAccepted()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(
            """
            // Line comment
            {
              /* block comment */
              "image": "mcr.microsoft.com/devcontainers/base:ubuntu", // trailing comment
              "forwardPorts": [3000,],
            }
            """);

        Assert.Equal("mcr.microsoft.com/devcontainers/base:ubuntu", config.Image);
        Assert.Equal([3000], config.Ports.Select(port => port.Port));
        Assert.Empty(config.Errors);
    }

    [Fact]
    public void ParseDevcontainer_MissingComma_ErrorNamesLineColumnAndHints()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("{\n  \"name\": \"a\"\n  \"image\": \"y\"\n}");

        Assert.Equal([$"{Source} line 3, column 3: '\"' is invalid after a value. Expected either ',', '}}', or ']' (is a comma or a colon missing just before it?). Nothing from this file is used until this is fixed."], config.Errors);
        Assert.Null(config.Image);
    }

    [Fact]
    public void ParseDevcontainer_ColumnAfterNonAsciiText_CountsCharactersNotBytes()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("{\"name\": \"Développement ☕\" x}");

        Assert.StartsWith($"{Source} line 1, column 28: ", Assert.Single(config.Errors), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "the file has no JSON in it (only comments or white space); it must contain an object: { ... }. Nothing from this file is used until this is fixed.")]
    [InlineData("// just a comment\n", "the file has no JSON in it (only comments or white space); it must contain an object: { ... }. Nothing from this file is used until this is fixed.")]
    [InlineData("// stray\nx{ }", "'x' is an invalid start of a value. Nothing from this file is used until this is fixed.")]
    public void ParseDevcontainer_NoJsonOrStrayText_IsAnErrorInPlainWords(string json, string error)
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(json);

        Assert.EndsWith(error, Assert.Single(config.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void ParseDevcontainer_RootIsAList_SaysItMustBeAnObject()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("[1, 2]");

        Assert.Equal([$"{Source}: the file must be a JSON object ({{ ... }}), but it is a list. Nothing from this file is used."], config.Errors);
    }

    [Fact]
    public void ParseDevcontainer_DuplicateKey_LastOneWinsAndTheUserIsTold()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("{\n  \"image\": \"x\",\n  \"image\": \"y\"\n}");

        Assert.Equal("y", config.Image);
        Assert.Equal([$"{Source} line 3, column 3: duplicate key \"image\" (first on line 2); the last one is used."], config.Errors);
    }

    [Fact]
    public void ParseDevcontainer_ForwardPorts_AcceptsNumbersLocalHostPortsAndSkipsOtherHosts()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("""{"forwardPorts": [3000, "db:5432", "localhost:8080", "9000", 3000, 0, "x", 3.5]}""");

        Assert.Equal([3000, 8080, 9000], config.Ports.Select(port => port.Port));
        Assert.Equal([$"{Source} line 1, column 25: forwardPorts: \"db:5432\" forwards a port of another host or Docker Compose service, which does not run here; it is skipped."], config.Warnings);
        Assert.Equal(
        [
            $"{Source} line 1, column 68: forwardPorts: \"0\" is not a port number (1-65535); it is skipped.",
            $"{Source} line 1, column 71: forwardPorts: \"x\" is not a port number (1-65535); it is skipped.",
            $"{Source} line 1, column 76: forwardPorts: \"3.5\" is not a port number (1-65535); it is skipped.",
        ], config.Errors);
    }

    [Fact]
    public void ParseDevcontainer_PortsAttributes_LabelAndOnAutoForwardApplyToForwardedPortsAndRanges()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(
            """
            {
              "forwardPorts": [3000, 9001],
              "portsAttributes": {
                "3000": { "label": "Web", "onAutoForward": "openBrowser", "protocol": "https" },
                "9000-9010": { "label": "Workers", "onAutoForward": "silent" },
                "5173": { "label": "Vite", "onAutoForward": "openPreview" },
                "6006": { "onAutoForward": "ignore" },
                "7000": { "onAutoForward": "openBrowserOnce" },
                ".+\\/server.js": { "label": "Server" }
              }
            }
            """);

        Assert.Equal(
        [
            new PortConfig(3000, null, "Web", PortOnOpen.OpenBrowser, PortVisibility.Private),
            new PortConfig(9001, null, "Workers", PortOnOpen.Ignore, PortVisibility.Private),
            new PortConfig(9000, 9010, "Workers", PortOnOpen.Ignore, PortVisibility.Private),
            new PortConfig(5173, null, "Vite", PortOnOpen.OpenPreview, PortVisibility.Private),
            new PortConfig(6006, null, null, PortOnOpen.Ignore, PortVisibility.Private),
            new PortConfig(7000, null, null, PortOnOpen.OpenBrowser, PortVisibility.Private),
        ], config.Ports);
        Assert.Equal(
        [
            $"{Source} line 4, column 63: \"portsAttributes.*.protocol\" is ignored: only \"label\" and \"onAutoForward\" are used.",
            $"{Source} line 9, column 5: portsAttributes \".+\\/server.js\" is not a port or a port range (process patterns are not supported); it is ignored.",
        ], config.Warnings);
    }

    [Fact]
    public void ParseDevcontainer_UnknownOnAutoForward_UsesNotifyWithAnError()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("""{"portsAttributes": {"5000": {"onAutoForward": "popup"}}}""");

        Assert.Equal([new PortConfig(5000, null, null, PortOnOpen.Notify, PortVisibility.Private)], config.Ports);
        Assert.Equal([$"{Source} line 1, column 31: portsAttributes \"5000\": onAutoForward \"popup\" is not one of notify, openBrowser, openBrowserOnce, openPreview, silent, ignore; \"notify\" is used."], config.Errors);
    }

    [Fact]
    public void ParseDevcontainer_AppPort_TakesTheContainerSideOfDockerPublishSyntax()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("""{"appPort": ["127.0.0.1:8000:8010", 3000]}""");

        Assert.Equal([8010, 3000], config.Ports.Select(port => port.Port));
    }

    [Fact]
    public void ParseDevcontainer_Environment_ContainerEnvThenRemoteEnvWithVariablesExpanded()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(
            """
            {
              "containerEnv": { "A": "1", "DATA": "${containerWorkspaceFolder}/data", "N": 5, "B": true, "DROP": "x" },
              "remoteEnv": {
                "A2": "${containerEnv:A}-2",
                "NAME": "${localWorkspaceFolderBasename}",
                "HOME_COPY": "${localEnv:HOME}",
                "WITH_DEFAULT": "${localEnv:FOO:bar}",
                "DROP": null,
                "LITERAL": "${notAVariable}"
              }
            }
            """,
            workspaceFolder: "/workspaces/demo");

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["A"] = "1",
                ["DATA"] = "/workspaces/demo/data",
                ["N"] = "5",
                ["B"] = "true",
                ["A2"] = "1-2",
                ["NAME"] = "demo",
                ["HOME_COPY"] = "",
                ["WITH_DEFAULT"] = "bar",
                ["LITERAL"] = "${notAVariable}",
            },
            config.Environment);
        Assert.Equal(
        [
            $"{Source} line 6, column 5: remoteEnv.HOME_COPY uses \"${{localEnv:HOME}}\", the environment of the developer's own machine, which does not exist here; the default after the second \":\" or an empty value is used.",
            $"{Source} line 7, column 5: remoteEnv.WITH_DEFAULT uses \"${{localEnv:FOO:bar}}\", the environment of the developer's own machine, which does not exist here; the default after the second \":\" or an empty value is used.",
        ], config.Warnings);
    }

    [Fact]
    public void ParseDevcontainer_RemoteEnvExtendingContainerPath_IsNotSetRatherThanBreakingPath()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("""{"remoteEnv": {"PATH": "${containerEnv:PATH}:/home/vscode/.local/bin"}}""");

        Assert.False(config.Environment.ContainsKey("PATH"));
        Assert.Equal([$"{Source} line 1, column 16: remoteEnv.PATH is not set: \"${{containerEnv:PATH}}\" is only known inside a dev container. Set it in a task's \"before\" if you need it."], config.Warnings);
    }

    [Fact]
    public void ParseDevcontainer_WorkspaceFolderUnknown_VariablesUsingItAreNotSet()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("""{"containerEnv": {"DATA": "${containerWorkspaceFolder}/data"}}""");

        Assert.Empty(config.Environment);
        Assert.Single(config.Warnings);
    }

    [Fact]
    public void ParseDevcontainer_InvalidEnvironmentEntries_AreSkippedWithErrors()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("""{"remoteEnv": {"bad name": "x", "O": {}, "OK": "y"}}""");

        Assert.Equal(new Dictionary<string, string> { ["OK"] = "y" }, config.Environment);
        Assert.Equal(
        [
            $"{Source} line 1, column 16: remoteEnv: \"bad name\" is not a valid environment variable name (letters, digits and \"_\", not starting with a digit); it is not set.",
            $"{Source} line 1, column 33: remoteEnv.O must be text, but it is an object; it is not set.",
        ], config.Errors);
    }

    [Fact]
    public void ParseDevcontainer_LifecycleCommands_CreateStagesAreInitInOrderAndStartStagesAreCommand()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(
            """
            {
              "onCreateCommand": ["echo", "it's here", "a b", "$HOME"],
              "updateContentCommand": "npm ci",
              "postCreateCommand": { "one": "a && b", "two": ["c", "d e"] },
              "postStartCommand": "echo ${containerEnv:PATH:x} in ${containerWorkspaceFolder}",
              "postAttachCommand": { "server": "npm start" },
              "initializeCommand": "rm -rf ~"
            }
            """,
            workspaceFolder: "/workspaces/demo");

        var task = Assert.Single(config.Tasks);
        Assert.Equal("Dev container", task.Name);
        Assert.Equal(
            """
            echo 'it'\''s here' 'a b' '$HOME'
            npm ci
            # postCreateCommand: 2 commands run in parallel, as in the dev container spec
            # "one"
            sh -c 'a && b' &
            # "two"
            c 'd e' &
            wait
            """.ReplaceLineEndings("\n"),
            task.Init);
        Assert.Equal("echo ${PATH:-x} in /workspaces/demo\nnpm start", task.Command);
        Assert.Equal([$"{Source} line 7, column 3: \"initializeCommand\" is ignored: it runs on the developer's own machine before the container exists, and there is no such machine here."], config.Warnings);
    }

    [Fact]
    public void ParseDevcontainer_CommandNameWithLineBreak_CannotEscapeTheShellComment()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("""{"postStartCommand": {"a\nrm -rf ~": "echo a", "b": "echo b"}}""");

        var command = Assert.Single(config.Tasks).Command!;
        Assert.DoesNotContain("\nrm -rf ~", command, StringComparison.Ordinal);
        Assert.Contains("# \"a\\u000Arm -rf ~\"\n", command, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseDevcontainer_InvalidLifecycleCommands_AreNotRunAndSaySo()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("""{"postCreateCommand": 42, "postStartCommand": [1], "image": 5}""");

        Assert.Empty(config.Tasks);
        Assert.Equal(
        [
            $"{Source} line 1, column 2: \"postCreateCommand\" must be a command (text), a list of arguments or an object of named commands, but it is a number; it is not run.",
            $"{Source} line 1, column 27: \"postStartCommand\": every argument must be text, but one is a number; the command is not run.",
            $"{Source} line 1, column 52: \"image\" must be text, but it is a number; the default image is used.",
        ], config.Errors);
    }

    [Fact]
    public void ParseDevcontainer_BuildWithImage_UsesTheImageAndSaysTheDockerfileIsNotBuilt()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("""{"image": "node:22", "build": {"dockerfile": "Dockerfile.dev"}}""");

        Assert.Equal("node:22", config.Image);
        Assert.Equal([$"{Source} line 1, column 22: the Dockerfile \"Dockerfile.dev\" (\"build.dockerfile\") is not built (building images is not supported); \"image\" is used instead."], config.Warnings);
    }

    [Fact]
    public void ParseDevcontainer_DocumentationKeys_AreIgnoredQuietlyAndOthersWithAWarning()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("""{"$schema": "https://x", "name": "Demo", "image": "node:22", "features": {}, "mounts": [], "hostRequirements": {"cpus": 4}, "fooBar": 1}""");

        Assert.Equal(
        [
            $"{Source} line 1, column 62: \"features\" is ignored: Dev Container Features are not installed; the image must already have the tools.",
            $"{Source} line 1, column 78: \"mounts\" is ignored: extra mounts are not supported.",
            $"{Source} line 1, column 92: \"hostRequirements\" is ignored: host requirements are not checked.",
            $"{Source} line 1, column 125: \"fooBar\" is ignored: it is not a known devcontainer.json property (check the spelling).",
        ], config.Warnings);
    }
}
