using BenchmarkDotNet.Attributes;
using Workspaces.Shared.Repositories;

namespace Workspaces.Micro;

/// <summary><see cref="RepositoryReference.TryParse"/> on what users paste: runs on every create request and on the dashboard.</summary>
[MemoryDiagnoser]
public class RepositoryReferenceBenchmarks
{
    private static readonly string[] Inputs =
    [
        "https://github.com/octocat/Hello-World",
        "https://github.com/dotnet/aspire/tree/main/src/Aspire.Dashboard",
        "https://gitlab.com/gitlab-org/gitlab-foss.git",
        "http://127.0.0.1:41234/large.git",
        "github.com/org/repo",
        "file:///srv/git/project.git",
        "git@github.com:org/repo.git",
        "https://user:token@github.com/org/repo",
    ];

    /// <summary>One pass over the eight inputs above (valid and invalid); divide by eight for one.</summary>
    [Benchmark]
    public int ParseTypicalInputs()
    {
        var valid = 0;
        foreach (var input in Inputs)
        {
            if (RepositoryReference.TryParse(input, null, out _, out _))
            {
                valid++;
            }
        }

        return valid;
    }
}
