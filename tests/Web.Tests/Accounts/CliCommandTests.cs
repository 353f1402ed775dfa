using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Accounts;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;
using Workspaces.Web.Tests.Ssh;

namespace Workspaces.Web.Tests.Accounts;

/// <summary>The built <c>workspaces</c> CLI against the real web app, its JSON output parsed as a script would.</summary>
public sealed partial class CliCommandTests(AppFixture fixture) : IClassFixture<AppFixture>, IDisposable
{
    private readonly GitRepositoryFixture _repositories = new();

    public void Dispose() => _repositories.Dispose();

    [Fact]
    public async Task LoginWithToken_ThenWhoamiAndList_PrintJsonAScriptReads()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var repository = await _repositories.CreateAsync($"cli-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var id = (await alice.CreateWorkspaceAsync(repository.FileUrl)).Id;
        using var machine = new SshClients(fixture.App, token: null);

        var login = await machine.CliAsync("login", fixture.App.BaseAddress.AbsoluteUri, "--token", alice.Token!, "--output", "json");
        var whoami = await machine.CliAsync("whoami", "-o", "json");
        var list = await machine.CliAsync("list", "--output", "json");

        Assert.True(login.ExitCode == 0, login.ToString());
        Assert.Equal(await AccessWorld.EmailAsync(alice), JsonDocument.Parse(whoami.Output).RootElement.GetProperty("email").GetString());
        Assert.Contains(JsonDocument.Parse(list.Output).RootElement.EnumerateArray(), w => w.GetProperty("id").GetString() == id);
    }

    [Fact]
    public async Task NotSignedIn_Command_ExitsThreeAndSaysToLogIn()
    {
        using var machine = new SshClients(fixture.App, token: null);
        var start = machine.StartInfo(SshClients.CliPath, ["list"]);
        start.Environment.Remove("WORKSPACES_URL");
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardInput = true;
        using var process = Process.Start(start)!;

        var result = await SshClients.WaitAsync(process, null, SshClients.Timeout);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("workspaces login", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Login_ApprovedInTheBrowser_StoresATokenThatWorksAndLogoutRevokesIt()
    {
        using var alice = await fixture.App.CreateUserAsync();
        using var machine = new SshClients(fixture.App, token: null);
        using var login = machine.Start(SshClients.CliPath, ["login", fixture.App.BaseAddress.AbsoluteUri, "--no-browser"]);
        var errors = login.StandardError;
        string? code = null;
        while (code is null && await errors.ReadLineAsync() is { } line)
        {
            code = CodePattern().Match(line) is { Success: true } match ? match.Groups[1].Value : null;
        }

        Assert.NotNull(code);
        // What the Approve button of /cli/login does for the signed-in user.
        var logins = fixture.App.Services.GetRequiredService<CliLogins>();
        Assert.Equal("workspaces CLI on " + Environment.MachineName, logins.Describe(code));
        Assert.True(await logins.ApproveAsync(code, await AccessWorld.UserIdAsync(alice), await AccessWorld.EmailAsync(alice), CancellationToken.None));
        var loggedIn = await SshClients.WaitAsync(login, null, SshClients.Timeout);
        var whoami = await machine.CliAsync("whoami", "-o", "json");
        var stored = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(machine.ConfigDirectory, "login.json"))).RootElement.GetProperty("token").GetString()!;
        var logout = await machine.CliAsync("logout");
        using var afterLogout = new ApiClient(fixture.App.CreateHttpClient(), stored);
        using var refused = await afterLogout.Http.GetAsync(new Uri("/api/me", UriKind.Relative));

        Assert.True(loggedIn.ExitCode == 0, loggedIn.ToString());
        Assert.Equal(await AccessWorld.EmailAsync(alice), JsonDocument.Parse(whoami.Output).RootElement.GetProperty("email").GetString());
        Assert.True(logout.ExitCode == 0, logout.ToString());
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.False(File.Exists(Path.Combine(machine.ConfigDirectory, "login.json")));
    }

    [Fact]
    public async Task ConfigSsh_FileWithUserContent_ChangesOnlyItsBlockAndKeepsABackup()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var repository = await _repositories.CreateAsync($"cli-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var first = (await alice.CreateWorkspaceAsync(repository.FileUrl)).Id;
        using var machine = new SshClients(fixture.App, alice.Token);
        const string before = "# my hosts\nHost github.com\n  User git\n  IdentityFile ~/.ssh/github\n\n";
        const string after = "\nHost *\n  ServerAliveInterval 60\n";
        await File.WriteAllTextAsync(machine.SshConfig, before);

        var once = await machine.CliAsync("config-ssh", "--ssh-config", machine.SshConfig, "-o", "json");
        var written = await File.ReadAllTextAsync(machine.SshConfig);
        await File.WriteAllTextAsync(machine.SshConfig, written + after);
        var second = (await alice.CreateWorkspaceAsync(repository.FileUrl)).Id;
        var twice = await machine.CliAsync("config-ssh", "--ssh-config", machine.SshConfig, "-o", "json");
        var final = await File.ReadAllTextAsync(machine.SshConfig);
        await File.WriteAllTextAsync(machine.SshConfig, final.Replace("# --- END workspaces config-ssh ---\n", "", StringComparison.Ordinal));
        var refused = await machine.CliAsync("config-ssh", "--ssh-config", machine.SshConfig);

        Assert.True(once.ExitCode == 0, once.ToString());
        Assert.True(twice.ExitCode == 0, twice.ToString());
        Assert.StartsWith(before, final, StringComparison.Ordinal);
        Assert.EndsWith("# --- END workspaces config-ssh ---\n" + after, final, StringComparison.Ordinal);
        Assert.Contains($"Host workspaces.{first}\n", final, StringComparison.Ordinal);
        Assert.Contains($"Host workspaces.{second}\n", final, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(final, "BEGIN workspaces config-ssh"));
        Assert.Equal(written + after, await File.ReadAllTextAsync(machine.SshConfig + ".workspaces-backup"));
        var hosts = JsonDocument.Parse(twice.Output).RootElement.GetProperty("hosts").EnumerateArray().Select(h => h.GetProperty("host").GetString()).ToList();
        Assert.Contains($"workspaces.{second}", hosts);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("without its END", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigSsh_RunThroughTheToolsLinkToTheStore_WritesTheLinkThatSurvivesAnUpdate()
    {
        // `dotnet tool install` puts a native tool in a versioned store folder and links it from ~/.dotnet/tools; an update
        // deletes the old folder, so a config naming the store would break every ssh until config-ssh ran again.
        using var alice = await fixture.App.CreateUserAsync();
        var repository = await _repositories.CreateAsync($"cli-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        await alice.CreateWorkspaceAsync(repository.FileUrl);
        using var machine = new SshClients(fixture.App, alice.Token);
        using var tools = TempDirectory.Create("cli-tools");
        var stored = tools.Combine(".store/workspaces.cli/1.2.3/workspaces.cli.linux-x64/1.2.3/tools/net10.0/linux-x64/workspaces");
        Directory.CreateDirectory(Path.GetDirectoryName(stored)!);
        File.Copy(SshClients.CliPath, stored);
        var link = tools.Combine("workspaces");
        File.CreateSymbolicLink(link, ".store/workspaces.cli/1.2.3/workspaces.cli.linux-x64/1.2.3/tools/net10.0/linux-x64/workspaces");
        var start = machine.StartInfo(link, ["config-ssh", "--ssh-config", machine.SshConfig]);
        start.Environment["PATH"] = tools.Path + ":" + start.Environment["PATH"];
        start.RedirectStandardInput = true;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;

        using var process = Process.Start(start)!;
        var result = await SshClients.WaitAsync(process, input: null, SshClients.Timeout);
        var written = await File.ReadAllTextAsync(machine.SshConfig);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"ProxyCommand {link} ssh --stdio", written, StringComparison.Ordinal);
        Assert.Contains($"'{link}'", written, StringComparison.Ordinal);
        Assert.DoesNotContain(".store", written, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Create_WithProgress_EndsReadyAndStopStartDeleteWork()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var repository = await _repositories.CreateAsync($"cli-{Guid.NewGuid():N}", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        using var machine = new SshClients(fixture.App, alice.Token);

        var created = await machine.CliAsync("create", repository.FileUrl, "-o", "json");
        var id = JsonDocument.Parse(created.Output).RootElement.GetProperty("id").GetString()!;
        var stopped = await machine.CliAsync("stop", id, "-o", "json");
        await alice.WaitUntilSettledAsync(id);
        var deleted = await machine.CliAsync("delete", id, "--yes");
        var missing = await machine.CliAsync("start", "no-such-workspace");

        Assert.True(created.ExitCode == 0, created.ToString());
        Assert.Equal("Ready", JsonDocument.Parse(created.Output).RootElement.GetProperty("phase").GetString());
        Assert.True(stopped.ExitCode == 0, stopped.ToString());
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Equal(4, missing.ExitCode);
        await Poll.UntilAsync(async () => await alice.GetWorkspaceAsync(id) is null, SshClients.Timeout, "the workspace to be deleted");
    }

    [GeneratedRegex(@"code ([A-Z0-9]{4}-[A-Z0-9]{4})")]
    private static partial Regex CodePattern();
}
