using Workspaces.TestSupport.Git;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Credentials;

/// <summary>The web app plus a smart-HTTP Git server with a public and a private (token-protected) repository.</summary>
public sealed class GitServerAppFixture : AppFixture
{
    public static readonly GitServerCredential Credential = new("oauth2", "glpat-secret-0123456789");

    private SmartHttpGitServer? _server;

    public SmartHttpGitServer Server => _server ?? throw new InvalidOperationException("Not initialized.");

    /// <summary>How the server's host is keyed for stored credentials: <c>127.0.0.1:port</c>.</summary>
    public string Host => Server.BaseUrl.Authority;

    public override async Task InitializeAsync()
    {
        _server = await SmartHttpGitServer.StartAsync();
        await _server.CreateRepositoryAsync("team/public", new GitRepositoryBuilder().WithFile("README.md", "public\n"));
        await _server.CreateRepositoryAsync("team/private", new GitRepositoryBuilder().WithFile("README.md", "private\n"), Credential);
        await base.InitializeAsync();
    }

    /// <summary>
    /// The server listens on loopback: the allow-list an administrator would write for it, and the port sandboxed
    /// workspaces may reach on this machine's loopback.
    /// </summary>
    protected override Task<IReadOnlyDictionary<string, string?>> CreateSettingsAsync() =>
        Task.FromResult<IReadOnlyDictionary<string, string?>>(new Dictionary<string, string?>
        {
            ["Workspaces:Repositories:AllowedNetworks:0"] = "127.0.0.0/8",
            ["Workspaces:Sandbox:HostLoopbackPorts:0"] = Server.BaseUrl.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
