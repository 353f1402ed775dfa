using System.Text.RegularExpressions;
using Workspaces.Shared.Configuration;

namespace Workspaces.Shared.Tests.Configuration;

/// <summary>
/// Every real file in testdata/ (copied byte for byte from public repositories) is read through
/// <see cref="WorkspaceConfigReader.Read"/> as a checkout would have it, and several are checked value by value.
/// </summary>
public sealed partial class RealConfigFileTests
{
    public static TheoryData<string> GitpodFiles => new(TestData.Files("gitpod", ".gitpod.yml"));

    public static TheoryData<string> DevcontainerFiles => new(TestData.Files("devcontainer", ".devcontainer.json"));

    [Theory]
    [InlineData("gitpod", ".gitpod.yml")]
    [InlineData("devcontainer", ".devcontainer.json")]
    public void TestData_EveryFileListedInSources_IsPresentAndNoOtherIs(string kind, string suffix)
    {
        var listed = SourcesTableFile().Matches(File.ReadAllText(TestData.PathOf(kind, "SOURCES.md"))).Select(match => match.Groups[1].Value).Order(StringComparer.Ordinal).ToList();

        Assert.NotEmpty(listed);
        Assert.Equal(listed, TestData.Files(kind, suffix));
    }

    [Theory]
    [MemberData(nameof(GitpodFiles))]
    public void Read_RealGitpodFile_HasNoErrorsAndSomethingToRun(string fileName)
    {
        using var checkout = new TempCheckout();
        checkout.Copy(".gitpod.yml", TestData.PathOf("gitpod", fileName));

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Empty(config.Errors);
        Assert.Equal([".gitpod.yml"], config.Sources);
        Assert.NotEmpty(config.Tasks);
        AssertSensible(config, ".gitpod.yml");
    }

    [Theory]
    [MemberData(nameof(DevcontainerFiles))]
    public void Read_RealDevcontainerFile_HasNoErrorsAndSensibleContent(string fileName)
    {
        using var checkout = new TempCheckout();
        checkout.Copy(".devcontainer/devcontainer.json", TestData.PathOf("devcontainer", fileName));

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Empty(config.Errors);
        Assert.Equal([".devcontainer/devcontainer.json"], config.Sources);
        // Every real file either names an image or says (in a warning) why the default image is used.
        Assert.True(config.Image is not null || config.Warnings.Any(warning => warning.Contains("the workspace uses the default image", StringComparison.Ordinal)), string.Join('\n', config.Warnings));
        AssertSensible(config, ".devcontainer/devcontainer.json");
    }

    private static void AssertSensible(WorkspaceConfig config, string source)
    {
        Assert.All(config.Tasks, task =>
        {
            Assert.False(string.IsNullOrWhiteSpace(task.Name));
            Assert.True(task.Before is not null || task.Init is not null || task.Command is not null);
        });
        Assert.All(config.Ports, port =>
        {
            Assert.InRange(port.Port, 1, 65535);
            Assert.True(port.PortRangeEnd is null || port.PortRangeEnd > port.Port);
        });
        Assert.Equal(config.Ports.Count, config.Ports.Select(port => port.Port).Distinct().Count());
        Assert.All(config.Warnings, warning => Assert.StartsWith(source, warning, StringComparison.Ordinal));
        Assert.All(config.Environment, variable => Assert.Matches("^[A-Za-z_][A-Za-z0-9_]*$", variable.Key));
    }

    [Fact]
    public void ParseGitpod_Numpy_RunsTheBuildOnceAndTheDocsOnEveryStart()
    {
        var config = WorkspaceConfigReader.ParseGitpod(TestData.Text("gitpod", "numpy__numpy.gitpod.yml"));

        Assert.Equal("thomasjpfan/numpy-gitpod", config.Image);
        Assert.Collection(
            config.Tasks,
            task => Assert.Equal(new WorkspaceTask("Task 1", null, "python setup.py build_ext -i", null, task.Environment), task),
            task => Assert.Equal(new WorkspaceTask("Task 2", null, null, "make -C doc -e SPHINXOPTS=\"-j auto\" html", task.Environment), task));
        Assert.Empty(config.Ports);
        Assert.Equal([".gitpod.yml line 8, column 1: \"github\" is ignored: prebuilds are not supported."], config.Warnings);
    }

    [Fact]
    public void ParseGitpod_Vite_InstallsBuildsAndStartsTheDevServerButDeclaresNoPort()
    {
        var config = WorkspaceConfigReader.ParseGitpod(TestData.Text("gitpod", "vitejs__vite.gitpod.yml"));

        var task = Assert.Single(config.Tasks);
        Assert.Equal("pnpm install && pnpm run build", task.Init);
        Assert.Equal("pnpm run dev", task.Command);
        // vite's file declares no port: the dev server's port gets the defaults when it opens.
        Assert.Empty(config.Ports);
        Assert.Null(config.FindPort(5173));
        Assert.Empty(config.Warnings);
    }

    [Fact]
    public void ParseGitpod_Gitea_NamesPort3000AndRunsSetupThenBackendAndFrontend()
    {
        var config = WorkspaceConfigReader.ParseGitpod(TestData.Text("gitpod", "go-gitea__gitea.gitpod.yml"));

        Assert.Equal([new PortConfig(3000, null, "Gitea", PortOnOpen.Notify, PortVisibility.Private)], config.Ports);
        Assert.Equal(["Setup", "Run backend", "Run frontend"], config.Tasks.Select(task => task.Name));
        Assert.Equal("cp -r contrib/ide/vscode .vscode\nmake deps\nmake build\n", config.Tasks[0].Init);
        Assert.Equal("gp sync-done setup\nexit 0\n", config.Tasks[0].Command);
        Assert.Equal("gp sync-await setup\nmake watch-frontend\n", config.Tasks[2].Command);
        Assert.Contains(".gitpod.yml line 25, column 5: \"tasks[].openMode\" is ignored: every task gets its own terminal tab.", config.Warnings);
        Assert.Contains(".gitpod.yml line 27, column 1: \"vscode\" is ignored: VS Code extensions are not installed.", config.Warnings);
    }

    [Fact]
    public void ParseDevcontainer_Gitea_LabelsPort3000AndRunsMakeDepsOnce()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(TestData.Text("devcontainer", "go-gitea__gitea.devcontainer.json"));

        Assert.Equal("mcr.microsoft.com/devcontainers/go:1.22-bullseye", config.Image);
        Assert.Equal([new PortConfig(3000, null, "Gitea Web", PortOnOpen.Notify, PortVisibility.Private)], config.Ports);
        var task = Assert.Single(config.Tasks);
        Assert.Equal("make deps", task.Init);
        Assert.Null(task.Command);
        Assert.Equal(
        [
            ".devcontainer/devcontainer.json line 4, column 3: \"features\" is ignored: Dev Container Features are not installed; the image must already have the tools.",
            ".devcontainer/devcontainer.json line 15, column 3: \"customizations\" is ignored: editor customizations are not applied.",
        ], config.Warnings);
    }

    [Fact]
    public void Read_GiteaWithBothFiles_GitpodTasksAndPortsWinAndTheDevcontainerImageIsUsed()
    {
        using var checkout = new TempCheckout();
        checkout.Copy(".gitpod.yml", TestData.PathOf("gitpod", "go-gitea__gitea.gitpod.yml"));
        checkout.Copy(".devcontainer/devcontainer.json", TestData.PathOf("devcontainer", "go-gitea__gitea.devcontainer.json"));

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Equal([".gitpod.yml", ".devcontainer/devcontainer.json"], config.Sources);
        Assert.Equal(["Setup", "Run backend", "Run frontend"], config.Tasks.Select(task => task.Name));
        Assert.Equal([new PortConfig(3000, null, "Gitea", PortOnOpen.Notify, PortVisibility.Private)], config.Ports);
        Assert.Equal("mcr.microsoft.com/devcontainers/go:1.22-bullseye", config.Image);
        Assert.Contains(".devcontainer/devcontainer.json: \"postCreateCommand\" is not run, because .gitpod.yml defines the tasks (both files describe the same setup; running both would do it twice).", config.Warnings);
        Assert.Empty(config.Errors);
    }

    [Fact]
    public void ParseDevcontainer_TypeScript_RunsTheThreeNamedPostCreateCommandsInParallelOnce()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(TestData.Text("devcontainer", "microsoft__TypeScript.devcontainer.json"));

        Assert.Equal("mcr.microsoft.com/devcontainers/javascript-node:1-22-bookworm", config.Image);
        var task = Assert.Single(config.Tasks);
        Assert.Equal("Dev container", task.Name);
        Assert.Equal(
            """
            # postCreateCommand: 3 commands run in parallel, as in the dev container spec
            # "Configure Build Tools"
            sh -c 'sudo npm install -g hereby; npm ci' &
            # "Install pprof"
            sh -c 'go install github.com/google/pprof@latest' &
            # "Install Graphviz"
            sh -c 'sudo apt install graphviz' &
            wait
            """.ReplaceLineEndings("\n"),
            task.Init);
        Assert.Null(task.Command);
        Assert.Null(task.Before);
    }

    [Fact]
    public void ParseDevcontainer_CodespacesReact_InstallsOnceStartsOnEveryStartAndPreviewsPort3000()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(TestData.Text("devcontainer", "github__codespaces-react.devcontainer.json"));

        var task = Assert.Single(config.Tasks);
        Assert.Equal("npm install", task.Init);
        Assert.Equal("npm start", task.Command);
        Assert.Equal([new PortConfig(3000, null, "Application", PortOnOpen.OpenPreview, PortVisibility.Private)], config.Ports);
        Assert.Equal("mcr.microsoft.com/devcontainers/universal:2", config.Image);
    }

    [Fact]
    public void ParseDevcontainer_Chatwoot_LabelsForwardedPortsAndSaysComposeServicesAreMissing()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(TestData.Text("devcontainer", "chatwoot__chatwoot.devcontainer.json"));

        Assert.Equal(
        [
            new PortConfig(8025, null, "Mailhog UI", PortOnOpen.Notify, PortVisibility.Private),
            new PortConfig(3000, null, "Rails Server", PortOnOpen.Notify, PortVisibility.Private),
            new PortConfig(3035, null, "Webpack Dev Server", PortOnOpen.Notify, PortVisibility.Private),
        ], config.Ports);
        Assert.Null(config.Image);
        Assert.Equal(".devcontainer/scripts/setup.sh && bundle exec rake db:chatwoot_prepare && yarn", Assert.Single(config.Tasks).Init);
        Assert.Contains(".devcontainer/devcontainer.json line 4, column 2: the Docker Compose file \"docker-compose.yml\" (\"dockerComposeFile\") is not started, so the services it defines (databases, caches) are not there; the workspace uses the default image.", config.Warnings);
    }

    [Fact]
    public void ParseDevcontainer_PostHog_SetsRemoteEnvAndForwardsNinePorts()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(TestData.Text("devcontainer", "PostHog__posthog.devcontainer.json"));

        Assert.Equal([8000, 5432, 6379, 8123, 8234, 9000, 9092, 9440, 9009], config.Ports.Select(port => port.Port));
        Assert.Equal("postgres://posthog:posthog@localhost:5432/posthog", config.Environment["DATABASE_URL"]);
        Assert.Equal("False", config.Environment["CLICKHOUSE_VERIFY"]);
        Assert.Equal(9, config.Environment.Count);
        Assert.Empty(config.Tasks);
        Assert.Contains(".devcontainer/devcontainer.json line 7, column 5: the Dockerfile \"Dockerfile\" (\"build.dockerfile\") is not built (building images is not supported); the workspace uses the default image.", config.Warnings);
    }

    [Fact]
    public void ParseDevcontainer_Rails_SetsContainerEnvForEveryTask()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(TestData.Text("devcontainer", "rails__rails.devcontainer.json"));

        Assert.Equal(
            new Dictionary<string, string>
            {
                ["PGHOST"] = "postgres",
                ["PGUSER"] = "postgres",
                ["PGPASSWORD"] = "postgres",
                ["MYSQL_HOST"] = "mariadb",
                ["REDIS_URL"] = "redis://redis/0",
            },
            config.Environment);
        Assert.Equal(".devcontainer/boot.sh", Assert.Single(config.Tasks).Init);
    }

    [Fact]
    public void ParseDevcontainer_HomeAssistant_TreatsLegacyAppPortAsAPortAndSaysTheDockerfileIsNotBuilt()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(TestData.Text("devcontainer", "home-assistant__core.devcontainer.json"));

        Assert.Equal([new PortConfig(8123, null, null, PortOnOpen.Notify, PortVisibility.Private)], config.Ports);
        Assert.Equal("mkdir -p config && pip3 install -e .", Assert.Single(config.Tasks).Init);
        Assert.Contains(".devcontainer/devcontainer.json line 5, column 3: the Dockerfile \"../Dockerfile.dev\" (\"dockerFile\") is not built (building images is not supported); the workspace uses the default image.", config.Warnings);
    }

    [Fact]
    public void ParseDevcontainer_AzureSearchDemo_EmptyPostCreateCommandRunsNothing()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(TestData.Text("devcontainer", "Azure-Samples__azure-search-openai-demo.devcontainer.json"));

        Assert.Empty(config.Tasks);
        Assert.Equal([new PortConfig(50505, null, null, PortOnOpen.Notify, PortVisibility.Private)], config.Ports);
        Assert.Equal("mcr.microsoft.com/devcontainers/python:3.10", config.Image);
    }

    [Fact]
    public void ParseGitpod_ConfluentDemo_KeepsEveryPortsOnOpenAndVisibility()
    {
        var config = WorkspaceConfigReader.ParseGitpod(TestData.Text("gitpod", "confluentinc__cp-demo.gitpod.yml"));

        Assert.Equal(22, config.Ports.Count);
        Assert.Equal(new PortConfig(9021, null, null, PortOnOpen.Notify, PortVisibility.Public), config.FindPort(9021));
        Assert.Equal(new PortConfig(8088, null, null, PortOnOpen.Ignore, PortVisibility.Public), config.FindPort(8088));
        Assert.Equal(new PortConfig(2181, null, null, PortOnOpen.Ignore, PortVisibility.Private), config.FindPort(2181));
        Assert.Equal("gitpod/workspace-full:2022-04-14-00-27-06", config.Image);
        Assert.StartsWith("curl -L --http1.1 https://cnfl.io/cli | sudo sh -s -- -b /usr/local/bin\nif [[ \"$AUTOSTART\" =~ \"false\" ]]; then\n", Assert.Single(config.Tasks).Before, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseGitpod_FreeCodeCamp_FoldsMultiLineCommandsIntoOneLine()
    {
        var config = WorkspaceConfigReader.ParseGitpod(TestData.Text("gitpod", "freeCodeCamp__freeCodeCamp.gitpod.yml"));

        var server = Assert.Single(config.Tasks, task => task.Name == "server");
        Assert.Equal("cp sample.env .env && npm ci && gp sync-done npm-ci && gp await-port 27017 && npm run seed && mongo --eval \"db.fsyncLock(); db.fsyncUnlock()\"\n", server.Init);
        Assert.Equal("npm run ensure-env && gp await-port 27017 && npm run develop:server\n", server.Command);
        Assert.Equal(["Task 1", "db", "server", "client"], config.Tasks.Select(task => task.Name));
        Assert.Equal(new PortConfig(8000, null, null, PortOnOpen.OpenPreview, PortVisibility.Private), config.FindPort(8000));
        Assert.Contains(".gitpod.yml line 1, column 1: the Dockerfile \".gitpod.Dockerfile\" (\"image.file\") is not built (building images is not supported); the workspace uses the default image.", config.Warnings);
    }

    [Fact]
    public void ParseGitpod_Dazzle_ReportsEachIgnoredKeyOnceWithItsLine()
    {
        var config = WorkspaceConfigReader.ParseGitpod(TestData.Text("gitpod", "gitpod-io__dazzle.gitpod.yml"));

        Assert.Equal(
        [
            ".gitpod.yml line 1, column 1: the Dockerfile \".gitpod.Dockerfile\" (\"image.file\") is not built (building images is not supported); the workspace uses the default image.",
            ".gitpod.yml line 4, column 1: \"checkoutLocation\" is ignored: the repository is always checked out at the root of the workspace.",
            ".gitpod.yml line 5, column 1: \"workspaceLocation\" is ignored: the workspace always opens at the root of the repository.",
            ".gitpod.yml line 9, column 5: \"tasks[].openMode\" (2 times) is ignored: every task gets its own terminal tab.",
            ".gitpod.yml line 20, column 1: \"vscode\" is ignored: VS Code extensions are not installed.",
        ], config.Warnings);
        Assert.Equal([new PortConfig(5000, null, null, PortOnOpen.Ignore, PortVisibility.Private)], config.Ports);
    }

    [Fact]
    public void Read_JvmulatorWithItsDevcontainerDockerfile_UsesTheDefaultImageAndSaysWhy()
    {
        using var checkout = new TempCheckout();
        checkout.Copy(".gitpod.yml", TestData.PathOf("gitpod", "alblue__jvmulator.gitpod.yml"));

        var config = WorkspaceConfigReader.Read(checkout.Root);

        Assert.Null(config.Image);
        Assert.Equal([".gitpod.yml line 1, column 1: the Dockerfile \".devcontainer/Dockerfile\" (\"image.file\") is not built (building images is not supported); the workspace uses the default image."], config.Warnings);
        Assert.Equal("mvn -B verify", Assert.Single(config.Tasks).Init);
    }

    [GeneratedRegex(@"^\| `([^`]+)` \|", RegexOptions.Multiline)]
    private static partial Regex SourcesTableFile();
}
