using System.Diagnostics;
using System.Text;
using Workspaces.Shared.Configuration;

namespace Workspaces.Shared.Tests.Configuration;

/// <summary>
/// A repository's configuration is untrusted input parsed inside the workspace agent (and possibly the web app): it must
/// not be able to hang the parser, exhaust memory or overflow the stack.
/// </summary>
public sealed class HostileInputTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(5);

    [Fact]
    public void ParseGitpod_BillionLaughs_FinishesQuicklyWithoutExpandingTheAliases()
    {
        var yaml = new StringBuilder("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
        for (var level = 'b'; level <= 'z'; level++)
        {
            var previous = (char)(level - 1);
            yaml.Append(level).Append(": &").Append(level).Append(" [")
                .AppendJoin(',', Enumerable.Repeat("*" + previous, 9)).Append("]\n");
        }

        // 9^26 "lol"s if expanded; used as ports, tasks and a task's environment.
        yaml.Append("ports: *z\ntasks: *z\n");

        var (config, elapsed, allocated) = Measure(() => WorkspaceConfigReader.ParseGitpod(yaml.ToString()));

        Assert.True(elapsed < Budget, $"took {elapsed}");
        Assert.True(allocated < 64 * 1024 * 1024, $"allocated {allocated} bytes");
        Assert.Empty(config.Tasks);
        Assert.Empty(config.Ports);
        // One error per item of *z (9 ports, 9 tasks), each pointing at the alias inside z's definition on line 26.
        Assert.Equal(18, config.Errors.Count);
        Assert.Contains(".gitpod.yml line 26, column 8: task 1 must be a mapping with \"init\" and \"command\" keys, but it is a list; it is skipped.", config.Errors);
        Assert.Contains(".gitpod.yml line 26, column 8: a port must be a mapping such as \"port: 3000\", but it is a list; it is skipped.", config.Errors);
    }

    [Fact]
    public void ParseGitpod_BillionLaughsInTaskEnvironment_IsRejectedPerVariable()
    {
        var yaml = "x: &x [a, a, a, a, a, a, a, a]\ny: &y [*x, *x, *x, *x, *x, *x, *x, *x]\nz: &z [*y, *y, *y, *y, *y, *y, *y, *y]\ntasks:\n  - command: run\n    env:\n      BOMB: *z\n";

        var config = WorkspaceConfigReader.ParseGitpod(yaml);

        Assert.Empty(Assert.Single(config.Tasks).Environment);
        Assert.Contains(".gitpod.yml line 7, column 13: task 1: the value of BOMB must be text, but it is a list; it is not set.", config.Errors);
    }

    [Fact]
    public void ParseGitpod_MergeKeyBomb_StopsAtTheBudget()
    {
        var yaml = new StringBuilder("m0: &m0 {k0: v}\n");
        for (var i = 1; i < 3000; i++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"m{i}: &m{i} {{<<: [*m{i - 1}, *m{i - 1}], k{i}: v}}\n");
        }

        var (config, elapsed, _) = Measure(() => WorkspaceConfigReader.ParseGitpod(yaml.ToString()));

        Assert.True(elapsed < Budget, $"took {elapsed}");
        var error = Assert.Single(config.Errors);
        Assert.EndsWith("merge keys (<<) copy more than 100000 entries in total. Nothing from this file is used until this is fixed.", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData('[', ']')]
    [InlineData('{', '}')]
    public void ParseGitpod_DeepFlowNesting_IsRefusedQuickly(char open, char close)
    {
        // YamlDotNet's scanner is quadratic in flow nesting: read to the end, this would take minutes.
        var depth = 500_000;
        var yaml = "tasks: " + new string(open, depth) + new string(close, depth);

        var (config, elapsed, _) = Measure(() => WorkspaceConfigReader.ParseGitpod(yaml));

        Assert.True(elapsed < Budget, $"took {elapsed}");
        Assert.Equal([".gitpod.yml line 1, column 71: lists and mappings are nested more than 64 levels deep. Nothing from this file is used until this is fixed."], config.Errors);
    }

    [Fact]
    public void ParseGitpod_DeepBlockNesting_IsRefused()
    {
        var yaml = new StringBuilder();
        for (var level = 0; level < 1000; level++)
        {
            yaml.Append(' ', level).Append("a:\n");
        }

        var config = WorkspaceConfigReader.ParseGitpod(yaml.ToString());

        Assert.Equal([".gitpod.yml line 65, column 65: lists and mappings are nested more than 64 levels deep. Nothing from this file is used until this is fixed."], config.Errors);
    }

    [Fact]
    public void ParseDevcontainer_DeepNesting_IsRefused()
    {
        var json = new StringBuilder();
        for (var level = 0; level < 100_000; level++)
        {
            json.Append("{\"a\":");
        }

        var (config, elapsed, _) = Measure(() => WorkspaceConfigReader.ParseDevcontainer(json.ToString()));

        Assert.True(elapsed < Budget, $"took {elapsed}");
        Assert.Equal([".devcontainer/devcontainer.json line 1, column 321: objects and lists are nested more than 64 levels deep. Nothing from this file is used until this is fixed."], config.Errors);
    }

    [Fact]
    public void ParseGitpod_VeryLongCommand_IsKeptWhole()
    {
        var command = "echo " + new string('x', 900_000);

        var config = WorkspaceConfigReader.ParseGitpod($"tasks:\n  - command: {command}\n");

        Assert.Equal(command, Assert.Single(config.Tasks).Command);
    }

    [Fact]
    public void ParseGitpod_VeryLongUnknownKey_IsShortenedInTheWarning()
    {
        var key = new string('k', 1000);

        var config = WorkspaceConfigReader.ParseGitpod($"\"{key}\": 1\n");

        var warning = Assert.Single(config.Warnings);
        Assert.True(warning.Length < 200, warning);
        Assert.Contains("kkk…\" is ignored", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void ParseGitpod_ThousandsOfInvalidPorts_ShowsFiftyErrorsAndCountsTheRest()
    {
        var yaml = "ports:\n" + string.Concat(Enumerable.Repeat("  - port: x\n", 5000));

        var config = WorkspaceConfigReader.ParseGitpod(yaml);

        Assert.Equal(51, config.Errors.Count);
        Assert.Equal(".gitpod.yml: 4950 more errors are not shown.", config.Errors[^1]);
    }

    [Theory]
    [InlineData("ports: [")]
    [InlineData("\"\\u")]
    [InlineData("? [a, b]\n: c\n")]
    [InlineData("a: !!binary ZZZZ\n")]
    [InlineData("%YAML 9.9\n---\na: b\n")]
    [InlineData("&a a: *a\n")]
    [InlineData("tasks:\n  - &t\n    init: *t\n")]
    [InlineData("tasks: [*x]\n")]
    [InlineData("\uFEFFtasks: []")]
    [InlineData("tasks:\n  - init: \"\\uD800\"\n")]
    public void ParseGitpod_OddInput_NeverThrows(string yaml)
    {
        var config = WorkspaceConfigReader.ParseGitpod(yaml);

        Assert.All(config.Errors, error => Assert.StartsWith(".gitpod.yml", error, StringComparison.Ordinal));
    }

    [Fact]
    public void ParseDevcontainer_LoneSurrogateEscape_IsAnErrorNotACrash()
    {
        var config = WorkspaceConfigReader.ParseDevcontainer("{\"image\": \"node\", \"remoteEnv\": {\"A\": \"\\ud800\"}}");

        Assert.Null(config.Image);
        Assert.Equal([".devcontainer/devcontainer.json: the file contains a \\u escape that is half of a UTF-16 surrogate pair (such as \\ud800), which is not a character. Nothing from this file is used until this is fixed."], config.Errors);
    }

    [Theory]
    [InlineData("{\"image\": \"\\ud800\"}")]
    [InlineData("{\"\\udc00\": 1}")]
    [InlineData("{\"forwardPorts\": [1e999]}")]
    [InlineData("{\"forwardPorts\": {}}")]
    [InlineData("{\"portsAttributes\": []}")]
    [InlineData("{\"postCreateCommand\": {\"a\": {}}}")]
    [InlineData("{\"remoteEnv\": []}")]
    [InlineData("{\"build\": 5, \"dockerComposeFile\": [5]}")]
    [InlineData("{\"appPort\": {}}")]
    [InlineData("\"just a string\"")]
    [InlineData("{} {}")]
    public void ParseDevcontainer_OddInput_NeverThrows(string json)
    {
        var config = WorkspaceConfigReader.ParseDevcontainer(json);

        Assert.All(config.Errors, error => Assert.StartsWith(".devcontainer/devcontainer.json", error, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_EnvironmentNameWithTrailingLineBreak_IsRefused()
    {
        var gitpod = WorkspaceConfigReader.ParseGitpod("tasks:\n  - command: run\n    env:\n      \"PATH\\n\": x\n");
        var devcontainer = WorkspaceConfigReader.ParseDevcontainer("{\"containerEnv\": {\"PATH\\n\": \"x\"}}");

        Assert.Empty(Assert.Single(gitpod.Tasks).Environment);
        Assert.Equal([".gitpod.yml line 4, column 7: task 1: \"PATH\\u000A\" is not a valid environment variable name (letters, digits and \"_\", not starting with a digit); it is not set."], gitpod.Errors);
        Assert.Empty(devcontainer.Environment);
        Assert.Single(devcontainer.Errors);
    }

    public static TheoryData<string, string> RealFiles
    {
        get
        {
            var data = new TheoryData<string, string>();
            foreach (var file in TestData.Files("gitpod", ".gitpod.yml"))
            {
                data.Add("gitpod", file);
            }

            foreach (var file in TestData.Files("devcontainer", ".devcontainer.json"))
            {
                data.Add("devcontainer", file);
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(RealFiles))]
    public void Parse_RandomEditsOfRealFiles_NeverThrow(string kind, string fileName)
    {
        // Deterministic "typos": deleted, duplicated and replaced characters, as a hurried edit leaves them.
        var original = TestData.Text(kind, fileName);
        var random = new Random(fileName.Length * 7919);
        const string Alphabet = " \t\n:-[]{}\"'#&*!|>,%@`\\/0a";
        for (var round = 0; round < 200; round++)
        {
            var text = new StringBuilder(original);
            for (var edit = random.Next(1, 6); edit > 0 && text.Length > 0; edit--)
            {
                var at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0:
                        text.Remove(at, 1);
                        break;
                    case 1:
                        text.Insert(at, text[at]);
                        break;
                    default:
                        text[at] = Alphabet[random.Next(Alphabet.Length)];
                        break;
                }
            }

            var config = kind == "gitpod"
                ? WorkspaceConfigReader.ParseGitpod(text.ToString())
                : WorkspaceConfigReader.ParseDevcontainer(text.ToString());

            Assert.All(config.Errors, error => Assert.DoesNotContain("bug in Workspaces", error, StringComparison.Ordinal));
            Assert.True(config.Errors.Count <= ConfigProblemsLimit + 1);
        }
    }

    private const int ConfigProblemsLimit = 50;

    private static (WorkspaceConfig Config, TimeSpan Elapsed, long Allocated) Measure(Func<WorkspaceConfig> parse)
    {
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var stopwatch = Stopwatch.StartNew();
        var config = parse();
        return (config, stopwatch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - allocatedBefore);
    }
}
