using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.Shared.Ssh;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Ssh;

/// <summary>
/// The short-lived user certificates the workspace's sshd accepts (and nothing else): issued by the API to who may open
/// the tunnel, for the workspace's user and minutes; refused by sshd when expired or of another workspace's CA.
/// </summary>
public sealed partial class SshTunnelTests
{
    [Fact]
    public async Task Certificate_Owner_IsForTheWorkspaceUserAndValidForMinutes()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var key = await CreateKeyAsync(machine, "key");

        var grant = await CertificateAsync(alice, id, key);
        var certificate = await WriteCertificateAsync(key, grant);
        var described = await machine.RunAsync("ssh-keygen", ["-L", "-f", certificate], input: null);

        Assert.True(described.ExitCode == 0, described.ToString());
        Assert.Contains("user certificate", described.Output, StringComparison.Ordinal);
        Assert.Matches($@"Principals: *\n *{grant.User}\n", described.Output);
        var window = System.Text.RegularExpressions.Regex.Match(described.Output, @"Valid: from (\S+) to (\S+)");
        var from = DateTime.Parse(window.Groups[1].Value, CultureInfo.InvariantCulture);
        var to = DateTime.Parse(window.Groups[2].Value, CultureInfo.InvariantCulture);
        Assert.InRange(to - from, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(5));
        Assert.DoesNotContain("permit-agent-forwarding", described.Output, StringComparison.Ordinal);
        Assert.InRange(grant.ValidBefore - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(3), TimeSpan.FromMinutes(6));
    }

    [Fact]
    public async Task Certificate_OfAnotherWorkspace_IsRefusedBySshd()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var first = await ReadyWorkspaceAsync(alice);
        var second = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var key = await CreateKeyAsync(machine, "key");
        var grant = await CertificateAsync(alice, first, key);
        await WriteCertificateAsync(key, grant);

        var own = await SshWithKeyAsync(machine, first, grant.User, key);
        var other = await SshWithKeyAsync(machine, second, grant.User, key);

        Assert.True(own.ExitCode == 0, own.ToString());
        Assert.Equal(255, other.ExitCode);
        Assert.Contains("Permission denied", other.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_Expired_IsRefusedBySshd()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var key = await CreateKeyAsync(machine, "key");
        var user = (await CertificateAsync(alice, id, key)).User;
        // Signed by the workspace's own CA (read from its state directory), for the right user, but over an hour ago.
        var ca = Path.Combine(fixture.App.WorkspaceDirectory(id), ".workspace", "ssh", "user_ca");
        var now = DateTimeOffset.UtcNow;
        await SshKeygen.SignUserKeyAsync("ssh-keygen", ca, key + ".pub", "expired", user, now.AddHours(-2), now.AddHours(-1), CancellationToken.None);

        var expired = await SshWithKeyAsync(machine, id, user, key);

        Assert.Equal(255, expired.ExitCode);
        Assert.Contains("Permission denied", expired.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PlainKey_WithoutCertificate_IsRefusedBySshd()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);
        using var machine = new SshClients(fixture.App, alice.Token);
        var key = await CreateKeyAsync(machine, "key");
        var user = (await CertificateAsync(alice, id, key)).User;

        var refused = await SshWithKeyAsync(machine, id, user, key);

        Assert.Equal(255, refused.ExitCode);
        Assert.Contains("Permission denied", refused.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_ReadOnlyShareOrAnotherUser_IsRefused()
    {
        using var owner = await fixture.App.CreateUserAsync();
        using var watcher = await fixture.App.CreateUserAsync();
        using var stranger = await fixture.App.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(owner, "/api/teams", new { name = "SSH team" })).GetProperty("id").GetString()!;
        await AccessWorld.JoinAsync(owner, watcher, teamId);
        var id = await ReadyWorkspaceAsync(owner);
        await AccessWorld.PostAsync(owner, $"/api/workspaces/{id}/shares", new { email = await AccessWorld.EmailAsync(watcher), access = "ReadOnly" });
        using var machine = new SshClients(fixture.App, watcher.Token);
        var key = await File.ReadAllTextAsync(await CreateKeyAsync(machine, "key") + ".pub");

        using var readOnly = await watcher.Http.PostAsJsonAsync(new Uri(SshTunnelProtocol.CertificatePath(id), UriKind.Relative), new SshCertificateRequest(key));
        using var other = await stranger.Http.PostAsJsonAsync(new Uri(SshTunnelProtocol.CertificatePath(id), UriKind.Relative), new SshCertificateRequest(key));
        var cli = await machine.CliAsync("ssh", id, "--", "true");

        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        Assert.Contains("read-only", await readOnly.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        Assert.Equal(4, cli.ExitCode);
        Assert.Contains("read-only", cli.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Certificate_MalformedKey_IsRefusedWithTheReason()
    {
        using var alice = await fixture.App.CreateUserAsync();
        var id = await ReadyWorkspaceAsync(alice);

        using var answer = await alice.Http.PostAsJsonAsync(new Uri(SshTunnelProtocol.CertificatePath(id), UriKind.Relative), new SshCertificateRequest("ssh-ed25519 not-base64\nssh-rsa AAAA"));

        Assert.Equal(HttpStatusCode.BadRequest, answer.StatusCode);
        Assert.Contains("SSH public key", await answer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static async Task<string> CreateKeyAsync(SshClients machine, string name)
    {
        var path = Path.Combine(machine.Home, name);
        await SshKeygen.CreateKeyAsync("ssh-keygen", path, "test", CancellationToken.None);
        return path;
    }

    private static async Task<SshCertificateGrant> CertificateAsync(ApiClient user, string workspaceId, string key)
    {
        using var answer = await user.Http.PostAsJsonAsync(new Uri(SshTunnelProtocol.CertificatePath(workspaceId), UriKind.Relative), new SshCertificateRequest(await File.ReadAllTextAsync(key + ".pub")));
        var body = await answer.Content.ReadAsStringAsync();
        Assert.True(answer.IsSuccessStatusCode, $"{(int)answer.StatusCode}: {body}");
        return JsonSerializer.Deserialize<SshCertificateGrant>(body, JsonSerializerOptions.Web)!;
    }

    /// <summary>Where ssh looks for the key's certificate by default (<c>key-cert.pub</c>).</summary>
    private static async Task<string> WriteCertificateAsync(string key, SshCertificateGrant grant)
    {
        var path = key + "-cert.pub";
        await File.WriteAllTextAsync(path, grant.Certificate + "\n");
        return path;
    }

    /// <summary>Plain ssh through the CLI's ProxyCommand with this key (and its <c>-cert.pub</c>, if any) alone.</summary>
    private static Task<ProcessResult> SshWithKeyAsync(SshClients machine, string workspaceId, string user, string key) =>
        machine.RunAsync("ssh", [
            "-F", "/dev/null", "-o", $"ProxyCommand={SshClients.CliPath} ssh --stdio %h", "-i", key, "-o", "IdentitiesOnly=yes",
            "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-l", user,
            $"workspaces.{workspaceId}", "--", "true"], input: null);
}
