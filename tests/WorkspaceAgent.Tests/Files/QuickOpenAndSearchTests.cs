using Microsoft.Extensions.Logging.Abstractions;
using Workspaces.Shared.Files;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.WorkspaceAgent.Files;

namespace Workspaces.WorkspaceAgent.Tests.Files;

public sealed class QuickOpenAndSearchTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("ws-search");
    private readonly string _root;
    private readonly WorkspacePaths _paths;

    public QuickOpenAndSearchTests()
    {
        _root = Directory.CreateDirectory(_temp.Combine("repo")).FullName;
        _paths = new WorkspacePaths(_root);
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task QuickOpen_FuzzyQuery_RanksTheFileNameMatchFirstAndSkipsIgnoredFiles()
    {
        await WriteAsync("src/Web/Components/WorkspacePage.razor", "x");
        await WriteAsync("src/Web/Program.cs", "x");
        await WriteAsync("docs/web-page.md", "x");
        await WriteAsync("bin/WorkspacePage.dll", "x");
        await WriteAsync(".gitignore", "bin/\n");
        await GitCli.RunAsync(_root, "init", "-q");

        var index = new FileIndex(_paths, NullLogger<FileIndex>.Instance);
        var result = await index.QueryAsync("wspage", 10, CancellationToken.None);

        Assert.Equal("src/Web/Components/WorkspacePage.razor", result.Matches[0].Path);
        Assert.DoesNotContain(result.Matches, m => m.Path.StartsWith("bin/", StringComparison.Ordinal));
        Assert.Equal(6, result.Matches[0].Positions.Count);
    }

    [Fact]
    public void FuzzyMatcher_HundredThousandFiles_FindsTheOneTheUserMeant()
    {
        var files = Enumerable.Range(0, 100_000).Select(i => $"src/module{i % 100}/sub{i % 7}/File{i}Handler.cs").ToArray();
        var lowered = files.Select(f => f.ToLowerInvariant()).ToArray();
        FuzzyMatcher.Match(files, lowered, "fh", 50);

        // How fast is bench/EditorLatency's business (quick open over 100,000 files); this checks what is found.
        var matches = FuzzyMatcher.Match(files, lowered, "file4242hand", 50);

        Assert.Equal("src/module42/sub0/File4242Handler.cs", matches[0].Path);
    }

    [Fact]
    public async Task Search_GitRepository_FindsTrackedAndUntrackedFilesButNotIgnoredOnes()
    {
        await WriteAsync("src/a.cs", "class A { }\n// TODO: fix this\n");
        await WriteAsync("notes.txt", "todo later\n");
        await WriteAsync("bin/out.txt", "TODO in build output\n");
        await WriteAsync(".gitignore", "bin/\n");
        await GitCli.RunAsync(_root, "init", "-q");
        await GitCli.RunAsync(_root, "add", "src/a.cs");

        var result = await new FileSearch(_paths, new FilesOptions()).SearchAsync(new SearchRequest("todo", false, false, false, null, 100), CancellationToken.None);

        Assert.Equal("git grep", result.Engine);
        Assert.Equal([("notes.txt", 1, 1), ("src/a.cs", 2, 4)], result.Matches.Select(m => (m.Path, m.Line, m.Column)).Order());
        Assert.Equal(4, result.Matches.Single(m => m.Path == "src/a.cs").Length);
    }

    [Fact]
    public async Task Search_RegexCaseAndInclude_AreApplied()
    {
        await WriteAsync("a.cs", "var x = Foo42;\nvar y = foo7;\n");
        await WriteAsync("b.txt", "Foo1\n");
        await GitCli.RunAsync(_root, "init", "-q");

        var result = await new FileSearch(_paths, new FilesOptions()).SearchAsync(new SearchRequest(@"Foo\d+", true, true, false, "*.cs", 100), CancellationToken.None);

        var match = Assert.Single(result.Matches);
        Assert.Equal(("a.cs", 1, 9, 5), (match.Path, match.Line, match.Column, match.Length));
    }

    [Fact]
    public async Task Search_NotARepository_SearchesTheTreeItself()
    {
        await WriteAsync("deep/er/file.txt", "needle here\n");
        await WriteAsync("image.bin", "\0needle");

        var result = await new FileSearch(_paths, new FilesOptions()).SearchAsync(new SearchRequest("needle", false, false, true, null, 100), CancellationToken.None);

        Assert.Equal("agent", result.Engine);
        Assert.Equal("deep/er/file.txt", Assert.Single(result.Matches).Path);
    }

    private async Task WriteAsync(string relative, string content)
    {
        var full = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        await File.WriteAllTextAsync(full, content);
    }
}
