using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Languages;
using Workspaces.TestSupport.Files;
using Workspaces.WorkspaceAgent.Languages;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Languages;

/// <summary>
/// An agent whose language servers are the real ones on PATH (./test.sh puts typescript-language-server and pyright
/// there), with quick restarts; plus fake servers from
/// <see cref="FakeLanguageServer"/> for the faults.
/// </summary>
public class LanguagesAgentFixture : TerminalAgentFixture, IAsyncLifetime
{
    private readonly TempDirectory _scripts = TempDirectory.Create("ws-fake-lsp");

    /// <summary>Long: a loaded machine can take many seconds to publish diagnostics, and an idle stop would cut them.</summary>
    protected virtual TimeSpan IdleTimeout => TimeSpan.FromMinutes(10);

    /// <summary>Long enough for a real server's first answer on a loaded machine.</summary>
    protected virtual TimeSpan RequestTimeout => TimeSpan.FromSeconds(60);

    internal string Checkout => Agent.Layout.CheckoutDirectory;

    internal Uri AgentAddress => Agent.BaseAddress;

    public string UriOf(string relativePath) => new Uri(Path.Combine(Checkout, relativePath)).AbsoluteUri;

    protected override void ConfigureServices(IServiceCollection services)
    {
        var script = FakeLanguageServer.WriteTo(_scripts.Path);
        services.AddSingleton(new LanguagesOptions
        {
            IdleTimeout = IdleTimeout,
            RequestTimeout = RequestTimeout,
            SweepInterval = TimeSpan.FromMilliseconds(200),
            RestartDelay = TimeSpan.FromMilliseconds(200),
            MaxRestartDelay = TimeSpan.FromSeconds(1),
            MaxCrashes = 3,
            MaxMessageBytes = 1024 * 1024,
            Servers =
            [
                Fake("hang", script), Fake("oversized", script), Fake("garbage", script), Fake("crash", script), Fake("slow", script),
                new LanguageServerDefinition("missing", ["fake-missing"], "no-such-language-server", ["--stdio"], "apt-get install no-such-language-server"),
            ],
        });
    }

    private static LanguageServerDefinition Fake(string mode, string script) =>
        new($"fake-{mode}", [$"fake-{mode}"], "node", [script, mode], "it is a test's fake");

    public new async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _scripts.Dispose();
    }
}

/// <summary>The same agent with a short idle time, for the idle stop.</summary>
public sealed class IdleLanguagesAgentFixture : LanguagesAgentFixture
{
    public static readonly TimeSpan Idle = TimeSpan.FromSeconds(4);

    protected override TimeSpan IdleTimeout => Idle;
}

/// <summary>The same agent with a short request timeout, for the fake servers that never answer.</summary>
public sealed class FakeLanguagesAgentFixture : LanguagesAgentFixture
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1.5);

    protected override TimeSpan RequestTimeout => Timeout;
}
