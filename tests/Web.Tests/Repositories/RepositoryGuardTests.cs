using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.TestSupport.Files;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Repositories;

/// <summary>
/// Path and link tricks for local repositories (real symbolic links, <c>/proc</c> forms, a bind mount of the data
/// directory), the default for local paths on a server with several accounts, and literal internal addresses.
/// </summary>
public sealed class RepositoryGuardTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private readonly TempDirectory _scratch = TempDirectory.Create("ws-guard");

    public void Dispose() => _scratch.Dispose();

    private string Data => fixture.App.DataDirectory;

    [Fact]
    public async Task CreateWorkspace_SymbolicLinkToTheDataDirectory_Refused()
    {
        var link = _scratch.Combine("innocent");
        Directory.CreateSymbolicLink(link, Data);

        await AssertRefusedAsync(link + "/workspaces", "data directory");
        await AssertRefusedAsync(new Uri(link + "/workspaces").AbsoluteUri, "data directory");
    }

    [Fact]
    public async Task CreateWorkspace_SymbolicLinkDeepIntoTheDataDirectory_Refused()
    {
        var inside = Path.Combine(Data, "workspaces", "someone-else", "repo");
        Directory.CreateDirectory(inside);
        var link = _scratch.Combine("deep");
        Directory.CreateSymbolicLink(link, inside);

        await AssertRefusedAsync(link, "data directory");
    }

    [Fact]
    public async Task CreateWorkspace_ChainOfRelativeLinksToTheDataDirectory_Refused()
    {
        Directory.CreateSymbolicLink(_scratch.Combine("hop2"), Data);
        Directory.CreateSymbolicLink(_scratch.Combine("hop1"), "hop2");

        await AssertRefusedAsync(_scratch.Combine("hop1") + "/workspaces", "data directory");
    }

    [Theory]
    [InlineData("/proc/self/root{data}")]
    [InlineData("/proc/self/root{data}/workspaces")]
    [InlineData("/proc/thread-self/root{data}")]
    [InlineData("file:///proc/self/root{data}/workspaces")]
    [InlineData("file://localhost/proc/self/root{data}")]
    public async Task CreateWorkspace_ProcRootForms_Refused(string template) =>
        await AssertRefusedAsync(template.Replace("{data}", Data, StringComparison.Ordinal), "data directory");

    [Fact]
    public async Task CreateWorkspace_ProcCwdOfAProcessInTheDataDirectory_Refused()
    {
        using var sleeper = Process.Start(new ProcessStartInfo("sleep", "300") { WorkingDirectory = Data })!;
        try
        {
            await AssertRefusedAsync($"/proc/{sleeper.Id}/cwd/workspaces", "data directory");
            await AssertRefusedAsync($"file:///proc/{sleeper.Id}/cwd", "data directory");
        }
        finally
        {
            sleeper.Kill();
            await sleeper.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task CreateWorkspace_BindMountOfTheDataDirectory_Refused()
    {
        // A bind mount shares the directory's device and inode, not its path: only an identity comparison sees it.
        var mountPoint = _scratch.Combine("bound");
        Directory.CreateDirectory(mountPoint);
        await RunAsync("mount", "--bind", Data, mountPoint);
        try
        {
            await AssertRefusedAsync(mountPoint + "/workspaces", "data directory");
        }
        finally
        {
            await RunAsync("umount", mountPoint);
        }
    }

    [Fact]
    public async Task CreateWorkspace_OrdinaryLocalPath_Accepted()
    {
        using var user = await fixture.App.CreateUserAsync();

        using var response = await user.Http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl = _scratch.Combine("no-repository-here.git") });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:9/org/repo")]
    [InlineData("http://0x7f.1/org/repo")]
    [InlineData("http://2130706433/org/repo")]
    [InlineData("http://127.1/org/repo")]
    [InlineData("http://169.254.169.254/latest/meta-data")]
    [InlineData("http://[::ffff:169.254.169.254]/org/repo")]
    [InlineData("http://[fd00:ec2::254]/org/repo")]
    [InlineData("https://[::1]/org/repo")]
    [InlineData("https://10.1.2.3/org/repo")]
    public async Task CreateWorkspace_LiteralInternalAddress_RefusedWithTheUniformMessage(string url)
    {
        using var user = await fixture.App.CreateUserAsync();

        var message = await RefusalAsync(user, url);

        Assert.Contains("it did not answer, or it is not at a public address", message, StringComparison.Ordinal);
        Assert.Contains("Workspaces:Repositories:AllowedHosts or AllowedNetworks", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateWorkspace_LocalPathsUnsetWithSeveralAccounts_RefusedSayingWhatToDo()
    {
        var path = _scratch.Combine("repo.git");
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["Workspaces:AllowLocalRepositories"] = null });
        using var admin = await app.CreateAdministratorAsync();

        using (var alone = await admin.Http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl = path }))
        {
            Assert.Equal(HttpStatusCode.Created, alone.StatusCode);
        }

        using var colleague = await app.CreateUserAsync();
        var message = await RefusalAsync(admin, path);

        Assert.Contains("more than one account", message, StringComparison.Ordinal);
        Assert.Contains("Workspaces:AllowLocalRepositories", message, StringComparison.Ordinal);
        Assert.Contains("more than one account", await RefusalAsync(colleague, new Uri(path).AbsoluteUri), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateWorkspace_LocalPathsTurnedOff_Refused()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["Workspaces:AllowLocalRepositories"] = "false" });
        using var admin = await app.CreateAdministratorAsync();

        Assert.Contains("AllowLocalRepositories is false", await RefusalAsync(admin, _scratch.Combine("repo.git")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateWorkspace_LoopbackWhenAnAdministratorAllowedIt_Accepted()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["Workspaces:Repositories:AllowedNetworks:0"] = "127.0.0.0/8" });
        using var admin = await app.CreateAdministratorAsync();

        using var response = await admin.Http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl = "http://127.0.0.1:9/org/repo" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task AssertRefusedAsync(string repositoryUrl, string messagePart)
    {
        using var user = await fixture.App.CreateUserAsync();
        Assert.Contains(messagePart, await RefusalAsync(user, repositoryUrl), StringComparison.Ordinal);
        Assert.Empty(await user.ListWorkspacesAsync());
    }

    private static async Task<string> RefusalAsync(ApiClient user, string repositoryUrl)
    {
        using var response = await user.Http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{repositoryUrl}: {(int)response.StatusCode} {body}");
        using var problem = JsonDocument.Parse(body);
        return Assert.Single(problem.RootElement.GetProperty("errors").GetProperty("repositoryUrl").EnumerateArray()).GetString()!;
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        var errors = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"{program} {string.Join(' ', arguments)} (needs root, as ./test.sh runs): {errors}");
    }
}
