using Workspaces.Web.Authorization;

namespace Workspaces.Web.Tests.Authorization;

/// <summary>docs/security.md prints the access table the code enforces; this keeps the two the same.</summary>
public sealed class SecurityDocTests
{
    [Fact]
    public void SecurityDoc_AccessTable_IsTheOneTheCodeEnforces()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Workspaces.sln")))
        {
            directory = directory.Parent;
        }

        Assert.NotNull(directory);
        var doc = File.ReadAllText(Path.Combine(directory.FullName, "docs", "security.md")).ReplaceLineEndings("\n");
        var table = AccessPolicy.ToMarkdown();
        Assert.True(doc.Contains(table, StringComparison.Ordinal), $"docs/security.md should contain the table from AccessPolicy.ToMarkdown():\n\n{table}");
    }
}
