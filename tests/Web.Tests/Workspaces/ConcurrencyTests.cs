using System.Net;
using System.Net.Http.Json;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;
using Workspaces.Web.Tests.Infrastructure;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Tests.Workspaces;

public sealed class ConcurrencyTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private const int Count = 20;
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task Workspaces_TwentyCreatedAtOnce_EachGetsReadyWithItsOwnDirectoryAndAgent()
    {
        var repository = await _repositories.CreateAsync("many", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        using var user = await fixture.App.CreateUserAsync();

        var responses = await Task.WhenAll(Enumerable.Range(0, Count).Select(_ => user.Http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl = repository.FileUrl })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var created = await Task.WhenAll(responses.Select(r => r.Content.ReadFromJsonAsync<WorkspaceView>(ApiClient.Json)));
        var ids = created.Select(w => w!.Id).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(Count, ids.Count);
        foreach (var response in responses)
        {
            response.Dispose();
        }

        var listed = await user.WaitUntilListAsync(
            list => list.Count(w => w.Status is "Running" or "Failed") == Count,
            "all workspaces to come to rest",
            TimeSpan.FromSeconds(90));

        Assert.Equal(ids.Order(StringComparer.Ordinal), listed.Select(w => w.Id).Order(StringComparer.Ordinal));
        Assert.All(listed, w => Assert.Equal("Running", w.Status));
        var pids = ids.Select(id => LeftoverAgents.Read(fixture.App.WorkspaceDirectory(id))!.ProcessId).ToList();
        Assert.Equal(Count, pids.Distinct().Count());
        Assert.All(pids, pid => Assert.True(ProcessProbe.IsAlive(pid)));
        Assert.All(ids, id => Assert.True(File.Exists(Path.Combine(fixture.App.WorkspaceDirectory(id), "many", "README.md"))));
    }
}
