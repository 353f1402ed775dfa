using Workspaces.TestSupport.Files;
using Workspaces.WorkspaceAgent.Files;

namespace Workspaces.WorkspaceAgent.Tests.Files;

public sealed class WorkspacePathsTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("ws-paths");
    private readonly string _root;
    private readonly string _outside;
    private readonly WorkspacePaths _paths;

    public WorkspacePathsTests()
    {
        _root = Directory.CreateDirectory(_temp.Combine("repo")).FullName;
        _outside = Directory.CreateDirectory(_temp.Combine("outside")).FullName;
        File.WriteAllText(Path.Combine(_outside, "secret.txt"), "secret");
        Directory.CreateDirectory(Path.Combine(_root, "src"));
        File.WriteAllText(Path.Combine(_root, "src", "app.cs"), "app");
        _paths = new WorkspacePaths(_root);
    }

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("../outside/secret.txt")]
    [InlineData("src/../../outside/secret.txt")]
    [InlineData("..")]
    [InlineData("src/./app.cs")]
    [InlineData("/etc/passwd")]
    [InlineData("//etc/passwd")]
    [InlineData("src/\0app.cs")]
    public void Resolve_HostilePath_IsRefused(string path) =>
        Assert.Throws<FileOperationException>(() => _paths.Resolve(path));

    [Fact]
    public void Resolve_EncodedDotDot_IsAFileNameInsideTheWorkspace()
    {
        // Nothing decodes the path: "%2e%2e" is a name, and it stays under the root.
        var full = _paths.Resolve("%2e%2e/%2e%2e/outside/secret.txt");

        Assert.StartsWith(_root + "/", full, StringComparison.Ordinal);
        Assert.False(File.Exists(full));
    }

    [Fact]
    public void Resolve_SymlinkToOutside_IsRefused()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "escape"), _outside);
        File.CreateSymbolicLink(Path.Combine(_root, "passwd"), "/etc/passwd");

        var intoDirectory = Assert.Throws<FileOperationException>(() => _paths.Resolve("escape/secret.txt"));
        Assert.Contains("outside the workspace", intoDirectory.Message, StringComparison.Ordinal);
        Assert.Throws<FileOperationException>(() => _paths.Resolve("escape"));
        Assert.Throws<FileOperationException>(() => _paths.Resolve("passwd"));
        Assert.Throws<FileOperationException>(() => _paths.ResolveNew("escape/new-file.txt"));
    }

    [Fact]
    public void Resolve_DanglingSymlink_IsRefused()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "dangling"), Path.Combine(_outside, "not-yet"));

        Assert.Throws<FileOperationException>(() => _paths.ResolveNew("dangling"));
    }

    [Fact]
    public void Resolve_SymlinkInsideTheWorkspace_IsAllowed()
    {
        File.CreateSymbolicLink(Path.Combine(_root, "sources"), Path.Combine(_root, "src"));

        Assert.Equal(Path.Combine(_root, "sources", "app.cs"), _paths.Resolve("sources/app.cs"));
    }

    [Fact]
    public void Resolve_VeryLongName_IsRefusedWithAClearMessage()
    {
        var error = Assert.Throws<FileOperationException>(() => _paths.Resolve(new string('a', 300)));

        Assert.Contains("too long", error.Message, StringComparison.Ordinal);
        Assert.Throws<FileOperationException>(() => _paths.Resolve(string.Join('/', Enumerable.Repeat(new string('b', 200), 30))));
    }

    [Fact]
    public void Resolve_NameWithNewline_ExistingFileIsReachableButNoNewOnesAreCreated()
    {
        File.WriteAllText(Path.Combine(_root, "two\nlines.txt"), "x");

        Assert.Equal(Path.Combine(_root, "two\nlines.txt"), _paths.Resolve("two\nlines.txt"));
        Assert.Throws<FileOperationException>(() => _paths.ResolveNew("another\nline.txt"));
    }

    [Fact]
    public void Resolve_EmptyPathAndDoubleSlashes_AreTheRootAndNormalized()
    {
        Assert.Equal(_root, _paths.Resolve(string.Empty));
        Assert.Equal(Path.Combine(_root, "src", "app.cs"), _paths.Resolve("src//app.cs/"));
        Assert.Throws<FileOperationException>(() => _paths.ResolveNew(string.Empty));
    }
}
