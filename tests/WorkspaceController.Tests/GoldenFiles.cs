using Workspaces.FakeKubernetes;

namespace Workspaces.WorkspaceController.Tests;

/// <summary>
/// Rendered text against testdata/golden/{folder}/: every difference in one failure. <c>UPDATE_GOLDEN=1</c> writes the
/// files instead; review the diff before committing it.
/// </summary>
internal static class GoldenFiles
{
    public static void AssertMatch(string folder, IEnumerable<(string File, string Text)> rendered)
    {
        var dir = RepositoryRoot.Combine("tests", "WorkspaceController.Tests", "testdata", "golden", folder);
        var update = Environment.GetEnvironmentVariable("UPDATE_GOLDEN") == "1";
        var mismatches = new List<string>();
        foreach (var (file, text) in rendered)
        {
            var path = Path.Combine(dir, file);
            if (update)
            {
                Directory.CreateDirectory(dir);
                File.WriteAllText(path, text);
                continue;
            }

            var expected = File.Exists(path) ? File.ReadAllText(path) : "(missing)";
            if (expected.ReplaceLineEndings() != text.ReplaceLineEndings())
            {
                mismatches.Add($"--- {folder}/{file} expected:\n{expected}\n--- actual:\n{text}");
            }
        }

        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }
}
