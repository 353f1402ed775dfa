using Workspaces.Shared.Configuration;

namespace Workspaces.Shared.Tests.Configuration;

public sealed class GitpodParserTests
{
    [Fact]
    public void ParseGitpod_ValueWithColonSpace_ErrorNamesLineAndColumnAndNothingIsUsed()
    {
        var config = WorkspaceConfigReader.ParseGitpod("image: node:22\ntasks:\n  - init: npm install\n    command: npm start: now\n");

        Assert.Equal(
            [".gitpod.yml line 4, column 23: mapping values are not allowed here (a value containing \": \" must be quoted, or the indentation is wrong). Nothing from this file is used until this is fixed."],
            config.Errors);
        Assert.Empty(config.Tasks);
        Assert.Null(config.Image);
        Assert.Equal([".gitpod.yml"], config.Sources);
    }

    [Fact]
    public void ParseGitpod_BadIndentation_SaysToCheckTheIndentationOfThatLine()
    {
        var config = WorkspaceConfigReader.ParseGitpod("tasks:\n  - init: a\n   command: b\n");

        Assert.Equal([".gitpod.yml line 3, column 4: expected a list item (\"- \") here; check the indentation of this line. Nothing from this file is used until this is fixed."], config.Errors);
    }

    [Fact]
    public void ParseGitpod_TabIndentation_PointsAtTheTab()
    {
        var config = WorkspaceConfigReader.ParseGitpod("tasks:\n\t- init: a\n");

        Assert.Equal([".gitpod.yml line 2, column 1: a tab is used for indentation; YAML only allows spaces. Nothing from this file is used until this is fixed."], config.Errors);
    }

    [Fact]
    public void ParseGitpod_UnclosedQuote_SaysTheClosingQuoteIsMissing()
    {
        var config = WorkspaceConfigReader.ParseGitpod("tasks:\n- name: x\n  command: 'npm start\n");

        Assert.Equal([".gitpod.yml line 3, column 12: a quoted value is not closed (the closing quote is missing). Nothing from this file is used until this is fixed."], config.Errors);
    }

    [Theory]
    [InlineData("tasks:\n  - {init: npm ci\ncommand: npm start\n", ".gitpod.yml line 2, column 3: the YAML cannot be read from here on; look for a \"[\", \"{\" or quote that is not closed. Nothing from this file is used until this is fixed.")]
    [InlineData("ports: [\nthree", ".gitpod.yml line 1, column 8: the YAML cannot be read from here on; look for a \"[\", \"{\" or quote that is not closed. Nothing from this file is used until this is fixed.")]
    public void ParseGitpod_UnclosedFlowCollectionThatCrashesYamlDotNet_IsASyntaxError(string yaml, string error)
    {
        var config = WorkspaceConfigReader.ParseGitpod(yaml);

        Assert.Equal([error], config.Errors);
        Assert.Empty(config.Tasks);
    }

    [Fact]
    public void ParseGitpod_UndefinedAlias_IsAnError()
    {
        var config = WorkspaceConfigReader.ParseGitpod("tasks:\n  - *setup\n");

        Assert.Equal([".gitpod.yml line 2, column 5: the alias *setup refers to an anchor (&setup) that is not defined before it. Nothing from this file is used until this is fixed."], config.Errors);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing configured yet\n")]
    [InlineData("---\n")]
    [InlineData("tasks:\nports:\n")]
    public void ParseGitpod_EmptyFileOrEmptyKeys_IsFineAndDeclaresNothing(string yaml)
    {
        var config = WorkspaceConfigReader.ParseGitpod(yaml);

        Assert.Empty(config.Errors);
        Assert.Empty(config.Warnings);
        Assert.Empty(config.Tasks);
        Assert.Empty(config.Ports);
    }

    [Fact]
    public void ParseGitpod_RootIsAList_SaysTheFileMustBeAMapping()
    {
        var config = WorkspaceConfigReader.ParseGitpod("- init: npm ci\n");

        Assert.Equal([".gitpod.yml line 1, column 1: the file must be a mapping of keys such as \"tasks:\" and \"ports:\", but it is a list. Nothing from this file is used."], config.Errors);
    }

    [Fact]
    public void ParseGitpod_ImageName_IsUsedAndADockerfileIsNotBuilt()
    {
        Assert.Equal("ghcr.io/org/toolchain:1.2@sha256:abc", WorkspaceConfigReader.ParseGitpod("image: ghcr.io/org/toolchain:1.2@sha256:abc\n").Image);

        var dockerfile = WorkspaceConfigReader.ParseGitpod("image:\n  file: .gitpod.Dockerfile\n  context: tools\n");

        Assert.Null(dockerfile.Image);
        Assert.Equal([".gitpod.yml line 1, column 1: the Dockerfile \".gitpod.Dockerfile\" (\"image.file\") is not built (building images is not supported); the workspace uses the default image."], dockerfile.Warnings);
        Assert.Empty(dockerfile.Errors);
    }

    [Theory]
    [InlineData("image: 'node 22'\n", ".gitpod.yml line 1, column 8: \"image\" \"node 22\" is not a container image name (like \"node:22\" or \"ghcr.io/org/image:tag\"); the default image is used.")]
    [InlineData("image: [node]\n", ".gitpod.yml line 1, column 8: \"image\" must be an image name or \"file: <Dockerfile>\", but it is a list; the default image is used.")]
    [InlineData("image:\n  context: .\n", ".gitpod.yml line 2, column 3: \"image\" must be an image name or \"file: <Dockerfile>\"; the default image is used.")]
    public void ParseGitpod_InvalidImage_FallsBackToTheDefaultImageWithAnError(string yaml, string error)
    {
        var config = WorkspaceConfigReader.ParseGitpod(yaml);

        Assert.Null(config.Image);
        Assert.Equal([error], config.Errors);
    }

    [Fact]
    public void ParseGitpod_TaskWithAllParts_KeepsBeforeInitCommandAndEnvironment()
    {
        var config = WorkspaceConfigReader.ParseGitpod(
            """
            tasks:
              - name: api
                before: export A=1
                init: |
                  npm ci
                  npm run build
                command: npm start
                env:
                  PORT: 3000
                  DEBUG: true
                  RATIO: 1.5
                  EMPTY:
                  QUOTED: "yes"
            """.ReplaceLineEndings("\n"));

        var task = Assert.Single(config.Tasks);
        Assert.Equal("api", task.Name);
        Assert.Equal("export A=1", task.Before);
        Assert.Equal("npm ci\nnpm run build\n", task.Init);
        Assert.Equal("npm start", task.Command);
        Assert.Equal(new Dictionary<string, string> { ["PORT"] = "3000", ["DEBUG"] = "true", ["RATIO"] = "1.5", ["EMPTY"] = "", ["QUOTED"] = "yes" }, task.Environment);
        Assert.Empty(config.Errors);
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void ParseGitpod_InvalidEnvironmentEntries_AreSkippedWithErrorsAndTheTaskStillRuns()
    {
        var config = WorkspaceConfigReader.ParseGitpod("tasks:\n  - name: t\n    command: run\n    env:\n      LIST: [a, b]\n      bad-name: x\n      GOOD: 1\n");

        Assert.Equal(new Dictionary<string, string> { ["GOOD"] = "1" }, Assert.Single(config.Tasks).Environment);
        Assert.Equal(
        [
            ".gitpod.yml line 5, column 13: task \"t\": the value of LIST must be text, but it is a list; it is not set.",
            ".gitpod.yml line 6, column 7: task \"t\": \"bad-name\" is not a valid environment variable name (letters, digits and \"_\", not starting with a digit); it is not set.",
        ], config.Errors);
    }

    [Fact]
    public void ParseGitpod_BrokenTasks_SkipOnlyThoseTasksAndSayWhich()
    {
        var config = WorkspaceConfigReader.ParseGitpod("tasks:\n  - command: [a, b]\n  - name: nothing\n  -\n  - just a string\n  - init: ok\n    foo: bar\n    prebuild: x\n");

        var task = Assert.Single(config.Tasks);
        Assert.Equal(new WorkspaceTask("Task 5", null, "ok", null, task.Environment), task);
        Assert.Equal(
        [
            ".gitpod.yml line 2, column 14: task 1: \"command\" must be text (use \"|\" for several lines), but it is a list; the task is skipped.",
            ".gitpod.yml line 5, column 5: task 4 must be a mapping with \"init\" and \"command\" keys, but it is text; it is skipped.",
        ], config.Errors);
        Assert.Equal(
        [
            ".gitpod.yml line 3, column 5: task \"nothing\" has no \"before\", \"init\" or \"command\" and is skipped.",
            ".gitpod.yml line 4, column 4: task 3 is empty and is skipped.",
            ".gitpod.yml line 7, column 5: \"tasks[].foo\" is ignored: it is not a known task key (use \"before\", \"init\", \"command\", \"env\" or \"name\").",
            ".gitpod.yml line 8, column 5: \"tasks[].prebuild\" is ignored: prebuilds are not supported.",
        ], config.Warnings);
    }

    [Fact]
    public void ParseGitpod_TasksIsAMapping_NoTaskRunsAndTheErrorSaysItMustBeAList()
    {
        var config = WorkspaceConfigReader.ParseGitpod("tasks: {init: x}\nports:\n  - port: 3000\n");

        Assert.Equal([".gitpod.yml line 1, column 8: \"tasks\" must be a list of tasks (\"- init: ...\"), but it is a mapping; no task from this file is run."], config.Errors);
        Assert.Empty(config.Tasks);
        Assert.Single(config.Ports);
    }

    [Fact]
    public void ParseGitpod_Ports_ReadsNumbersRangesQuotedNumbersAndEveryOnOpen()
    {
        var config = WorkspaceConfigReader.ParseGitpod(
            """
            ports:
              - port: 3000
                onOpen: open-preview
              - port: 3001-3010
                visibility: public
                onOpen: open-browser
              - port: "8080"
                name: API
                description: the REST API
              - port: 9229
                onOpen: ignore
            """.ReplaceLineEndings("\n"));

        Assert.Equal(
        [
            new PortConfig(3000, null, null, PortOnOpen.OpenPreview, PortVisibility.Private),
            new PortConfig(3001, 3010, null, PortOnOpen.OpenBrowser, PortVisibility.Public),
            new PortConfig(8080, null, "API", PortOnOpen.Notify, PortVisibility.Private),
            new PortConfig(9229, null, null, PortOnOpen.Ignore, PortVisibility.Private),
        ], config.Ports);
        Assert.Equal(3001, config.FindPort(3005)?.Port);
        Assert.Null(config.FindPort(3011));
        // description only documents the port: it is neither used nor worth a warning.
        Assert.Empty(config.Warnings);
        Assert.Empty(config.Errors);
    }

    [Fact]
    public void ParseGitpod_InvalidPorts_AreSkippedOrDefaultedWithAnErrorEach()
    {
        var config = WorkspaceConfigReader.ParseGitpod(
            """
            ports:
              - port: abc
              - port: 70000
              - port: 3010-3000
              - onOpen: notify
              - port: 4000
                onOpen: popup
                visibility: secret
                protocol: https
              - port: 4000
            """.ReplaceLineEndings("\n"));

        Assert.Equal([new PortConfig(4000, null, null, PortOnOpen.Notify, PortVisibility.Private)], config.Ports);
        Assert.Equal(
        [
            ".gitpod.yml line 2, column 11: port \"abc\" is not a port number (1-65535) or a range like \"3000-3010\"; it is skipped.",
            ".gitpod.yml line 3, column 11: port \"70000\" is not a port number (1-65535) or a range like \"3000-3010\"; it is skipped.",
            ".gitpod.yml line 4, column 11: port \"3010-3000\" is not a port number (1-65535) or a range like \"3000-3010\"; it is skipped.",
            ".gitpod.yml line 5, column 5: a port entry has no \"port\"; it is skipped.",
            ".gitpod.yml line 7, column 13: onOpen \"popup\" is not one of notify, open-preview, open-browser, ignore; \"notify\" is used.",
            ".gitpod.yml line 8, column 17: visibility \"secret\" is not \"private\" or \"public\"; \"private\" is used.",
        ], config.Errors);
        Assert.Equal(
        [
            ".gitpod.yml line 9, column 5: \"ports[].protocol\" is ignored: previews are always served over the preview proxy's own protocol.",
            ".gitpod.yml line 10, column 5: port 4000 is already declared on line 6; this declaration is ignored.",
        ], config.Warnings);
    }

    [Fact]
    public void ParseGitpod_UnknownTopLevelKeys_AreEachIgnoredWithAWarning()
    {
        var config = WorkspaceConfigReader.ParseGitpod(
            """
            vscode:
              extensions: [golang.go]
            jetbrains:
              goland: {}
            gitConfig:
              core.autocrlf: "false"
            additionalRepositories:
              - url: https://github.com/org/other
            mainConfiguration: https://github.com/org/main
            tasks:
              - init: make
            taks:
              - init: typo
            """.ReplaceLineEndings("\n"));

        Assert.Equal(
        [
            ".gitpod.yml line 1, column 1: \"vscode\" is ignored: VS Code extensions are not installed.",
            ".gitpod.yml line 3, column 1: \"jetbrains\" is ignored: JetBrains IDE settings are not used.",
            ".gitpod.yml line 5, column 1: \"gitConfig\" is ignored: Git settings from .gitpod.yml are not applied.",
            ".gitpod.yml line 7, column 1: \"additionalRepositories\" is ignored: only one repository is cloned per workspace.",
            ".gitpod.yml line 9, column 1: \"mainConfiguration\" is ignored: multi-repository workspaces are not supported.",
            ".gitpod.yml line 12, column 1: \"taks\" is ignored: it is not a known .gitpod.yml key (check the spelling).",
        ], config.Warnings);
        Assert.Equal("make", Assert.Single(config.Tasks).Init);
    }

    [Fact]
    public void ParseGitpod_DuplicateKey_LastOneWinsAndTheUserIsTold()
    {
        var config = WorkspaceConfigReader.ParseGitpod("tasks:\n  - init: first\ntasks:\n  - init: second\n");

        Assert.Equal("second", Assert.Single(config.Tasks).Init);
        Assert.Equal([".gitpod.yml line 3, column 1: duplicate key \"tasks\" (first on line 1); the last one is used."], config.Errors);
    }

    [Fact]
    public void ParseGitpod_AnchorsAndMergeKeys_AreExpanded()
    {
        var config = WorkspaceConfigReader.ParseGitpod(
            """
            x-defaults: &defaults
              init: npm ci
              env:
                NODE_ENV: development
            tasks:
              - <<: *defaults
                name: web
                command: npm run web
              - <<: *defaults
                name: api
                init: npm ci --workspace api
                command: npm run api
            """.ReplaceLineEndings("\n"));

        Assert.Collection(
            config.Tasks,
            web =>
            {
                Assert.Equal(("web", "npm ci", "npm run web"), (web.Name, web.Init, web.Command));
                Assert.Equal("development", web.Environment["NODE_ENV"]);
            },
            api => Assert.Equal(("api", "npm ci --workspace api", "npm run api"), (api.Name, api.Init, api.Command)));
        Assert.Equal([".gitpod.yml line 1, column 1: \"x-defaults\" is ignored: it is not a known .gitpod.yml key (check the spelling)."], config.Warnings);
    }

    [Fact]
    public void ParseGitpod_SecondDocument_IsIgnoredWithAWarning()
    {
        var config = WorkspaceConfigReader.ParseGitpod("tasks:\n  - init: a\n---\nports: nonsense\n");

        Assert.Equal("a", Assert.Single(config.Tasks).Init);
        Assert.Equal([".gitpod.yml line 3, column 1: only the first YAML document is used; everything from this \"---\" on is ignored."], config.Warnings);
        Assert.Empty(config.Errors);
    }

    [Fact]
    public void ParseGitpod_KeyWithControlCharacters_IsShownEscapedInTheWarning()
    {
        var config = WorkspaceConfigReader.ParseGitpod("\"evil\\e[31m\\nline\": 1\n");

        Assert.Equal([".gitpod.yml line 1, column 1: \"evil\\u001B[31m\\u000Aline\" is ignored: it is not a known .gitpod.yml key (check the spelling)."], config.Warnings);
    }

    [Fact]
    public void ParseGitpod_SourcePath_IsUsedInEveryMessage()
    {
        var config = WorkspaceConfigReader.ParseGitpod("vscode: {}\nports: 5\n", ".gitpod.yaml");

        Assert.Equal([".gitpod.yaml"], config.Sources);
        Assert.Equal([".gitpod.yaml line 1, column 1: \"vscode\" is ignored: VS Code extensions are not installed."], config.Warnings);
        Assert.Equal([".gitpod.yaml line 2, column 8: \"ports\" must be a list (\"- port: 3000\"), but it is text; no port from this file is declared."], config.Errors);
    }
}
