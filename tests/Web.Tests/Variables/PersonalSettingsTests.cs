using System.Net;
using System.Net.Http.Json;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Variables;

/// <summary>A user's dotfiles and personal variables, installed into the workspaces they create.</summary>
public sealed class PersonalSettingsTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task DotfilesWithInstallScript_NewWorkspace_ScriptRanInTheWorkspaceHomeAndTasksSeeIt()
    {
        var dotfiles = await _repositories.CreateAsync($"dotfiles-{Guid.NewGuid():N}", new GitRepositoryBuilder()
            .WithFile("setup.sh", "echo never-run-setup > \"$HOME/wrong\"\n")
            .WithFile("install.sh", "echo \"alias ll='ls -l'\" > \"$HOME/.aliases\"\necho installed-by-script\n"));
        var project = await _repositories.CreateAsync($"app-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithGitpodYml("""
            tasks:
              - command: cat "$HOME/.aliases" > seen.txt
            """));
        using var user = await fixture.App.CreateUserAsync();
        await PutAsync(user, "/api/me/dotfiles", new { repositoryUrl = dotfiles.FileUrl });

        var id = (await user.CreateWorkspaceAsync(project.FileUrl)).Id;
        await user.WaitUntilReadyAsync(id);
        var directory = fixture.App.WorkspaceDirectory(id);
        var seen = await ReadWhenWrittenAsync(Path.Combine(directory, Path.GetFileNameWithoutExtension(project.Path), "seen.txt"));

        Assert.Equal("alias ll='ls -l'\n", seen);
        Assert.False(File.Exists(Path.Combine(directory, ".home", "wrong")), "only the first install script runs");
        var log = await File.ReadAllTextAsync(Path.Combine(directory, ".workspace", "dotfiles.log"));
        Assert.Contains("installed-by-script", log, StringComparison.Ordinal);
        Assert.Contains("install.sh exited with code 0", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DotfilesWithoutScript_NewWorkspace_FilesLinkedIntoTheWorkspaceHome()
    {
        var dotfiles = await _repositories.CreateAsync($"plain-dotfiles-{Guid.NewGuid():N}", new GitRepositoryBuilder()
            .WithFile(".vimrc", "set number\n")
            .WithFile("README.md", "my dotfiles\n"));
        var project = await _repositories.CreateAsync($"site-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        using var user = await fixture.App.CreateUserAsync();
        await PutAsync(user, "/api/me/dotfiles", new { repositoryUrl = dotfiles.FileUrl });

        var id = (await user.CreateWorkspaceAsync(project.FileUrl)).Id;
        await user.WaitUntilReadyAsync(id);
        var home = Path.Combine(fixture.App.WorkspaceDirectory(id), ".home");

        Assert.Equal("set number\n", await File.ReadAllTextAsync(Path.Combine(home, ".vimrc")));
        Assert.NotNull(new FileInfo(Path.Combine(home, ".vimrc")).LinkTarget);
        Assert.False(File.Exists(Path.Combine(home, "README.md")), "the README is not a dotfile");
    }

    [Fact]
    public async Task PersonalVariables_ScopedByPattern_OnlyMatchingRepositoriesGetThem()
    {
        var matching = await _repositories.CreateAsync($"tools-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithGitpodYml("""
            tasks:
              - command: echo "$EDITOR_THEME|$TOOLS_ONLY" > vars.txt
            """));
        using var user = await fixture.App.CreateUserAsync();
        await PutAsync(user, "/api/me/variables/EDITOR_THEME", new { value = "solarized" });
        await PutAsync(user, "/api/me/variables/TOOLS_ONLY", new { value = "yes", repositoryPattern = "*/tools-*" });
        await PutAsync(user, "/api/me/variables/NOT_HERE", new { value = "no", repositoryPattern = "acme/*" });

        var id = (await user.CreateWorkspaceAsync(matching.FileUrl)).Id;
        await user.WaitUntilReadyAsync(id);
        var vars = await ReadWhenWrittenAsync(Path.Combine(fixture.App.WorkspaceDirectory(id), Path.GetFileNameWithoutExtension(matching.Path), "vars.txt"));
        using var listed = await user.Http.GetAsync(new Uri("/api/me/settings", UriKind.Relative));
        var settings = await listed.Content.ReadAsStringAsync();

        Assert.Equal("solarized|yes\n", vars);
        Assert.Contains("TOOLS_ONLY", settings, StringComparison.Ordinal);
        Assert.DoesNotContain("solarized", settings, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PersonalVariable_InvalidName_RefusedWithTheField()
    {
        using var user = await fixture.App.CreateUserAsync();
        using var response = await user.Http.PutAsJsonAsync("/api/me/variables/1BAD", new { value = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"name\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Task<string> ReadWhenWrittenAsync(string path) =>
        Poll.UntilNotNullAsync(() => Task.FromResult(File.Exists(path) && File.ReadAllText(path) is { Length: > 0 } t && t.EndsWith('\n') ? t : null), Timeout, $"{Path.GetFileName(path)} to be written");

    private static async Task PutAsync(ApiClient client, string path, object body)
    {
        using var response = await client.Http.PutAsJsonAsync(path, body);
        Assert.True(response.IsSuccessStatusCode, $"PUT {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
