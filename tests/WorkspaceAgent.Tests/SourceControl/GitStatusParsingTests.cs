using System.Text;
using Workspaces.WorkspaceAgent.SourceControl;

namespace Workspaces.WorkspaceAgent.Tests.SourceControl;

public sealed class GitStatusParsingTests
{
    [Fact]
    public void ParseStatus_PorcelainV2_ReadsBranchRenamesConflictsAndNamesWithSpaces()
    {
        var output = string.Join('\0',
            "# branch.oid 0123456789abcdef0123456789abcdef01234567",
            "# branch.head feature/x",
            "# branch.upstream origin/feature/x",
            "# branch.ab +2 -1",
            "1 .M N... 100644 100644 100644 aaaa bbbb src/with space.cs",
            "2 R. N... 100644 100644 100644 aaaa aaaa R100 new name.txt",
            "old name.txt",
            "u UU N... 100644 100644 100644 100644 aaaa bbbb cccc conflicted.txt",
            "? untracked/file.txt",
            string.Empty);

        var status = GitRepository.ParseStatus(Encoding.UTF8.GetBytes(output));

        Assert.Equal(("feature/x", "origin/feature/x", 2, 1), (status.Branch, status.Upstream, status.Ahead, status.Behind));
        Assert.Equal(
            [("src/with space.cs", null, "", "M", false), ("new name.txt", "old name.txt", "R", "", false), ("conflicted.txt", null, "U", "U", true), ("untracked/file.txt", null, "", "?", false)],
            status.Changes.Select(c => (c.Path, c.OriginalPath, c.Index, c.WorkTree, c.Conflicted)));
    }
}
