using System.Runtime.CompilerServices;
using System.Security.Claims;
using System.Threading.Channels;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.Shared.Configuration;
using Workspaces.Web.Authorization;
using Workspaces.Web.Previews;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Tests.Previews;

/// <summary>
/// The Ports panel rendered against a hand-written <see cref="IPortsClient"/>: the development namespace's Services are
/// listed beside the workspace's ports (svc/api :8080) with the same visibility and share-link actions, which reach the
/// client for that Service; a Service that cannot be previewed says why.
/// </summary>
public sealed class PortsPanelTests : BunitContext
{
    private const string UserId = "user-1";
    private const string WorkspaceId = "shop-k3x9q2mz";
    private readonly FakePortsClient _client = new();

    public PortsPanelTests()
    {
        Services.AddSingleton<IPortsClient>(_client);
        Services.AddSingleton(TimeProvider.System);
        JSInterop.Mode = JSRuntimeMode.Loose;
        AddAuthorization().SetAuthorized("ada@example.com").SetClaims(new Claim(ClaimTypes.NameIdentifier, UserId));
        SetRendererInfo(new Microsoft.AspNetCore.Components.RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public void PortsPanel_ServicesInTheDevNamespace_AreListedWithTheirOwnOriginsAndVisibility()
    {
        _client.Ports =
        [
            new PortView(3000, "web", true, PortOnOpen.Notify, PortVisibility.Private, $"http://3000-{WorkspaceId}.localhost:5000/", []),
            new PortView(8080, "http", true, PortOnOpen.Ignore, PortVisibility.Public, $"http://s8080-3-api-{WorkspaceId}.localhost:5000/", [], "api"),
            new PortView(80, null, true, PortOnOpen.Ignore, PortVisibility.Private, "", [], "a-service-with-a-name-far-too-long-for-a-preview-label", "The Service's name is too long for a preview address"),
        ];

        var panel = Render<PortsPanel>(p => p.Add(c => c.WorkspaceId, WorkspaceId));

        panel.WaitForAssertion(() => Assert.Equal(3, panel.FindAll(".ports-table > tbody > tr").Count), TimeSpan.FromSeconds(10));
        var service = panel.Find(".ports-table tr[data-service='api']");
        Assert.Contains("svc/api :8080", service.TextContent, StringComparison.Ordinal);
        Assert.Equal($"http://s8080-3-api-{WorkspaceId}.localhost:5000/", service.QuerySelector("a")!.GetAttribute("href"));
        Assert.Equal("Visibility of svc/api :8080", service.QuerySelector("select.visibility")!.GetAttribute("aria-label"));
        Assert.Equal("Public", service.QuerySelector("select.visibility")!.GetAttribute("data-visibility"));
        var tooLong = panel.Find(".ports-table tr[data-service='a-service-with-a-name-far-too-long-for-a-preview-label']");
        Assert.Contains("too long for a preview address", tooLong.QuerySelector(".unavailable")!.TextContent, StringComparison.Ordinal);
        Assert.Null(tooLong.QuerySelector("a"));
        Assert.True(tooLong.QuerySelector("select.visibility")!.HasAttribute("disabled"));
        Assert.Contains("3000", panel.Find(".ports-table tr[data-port='3000']").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PortsPanel_VisibilityAndShareLinkOfAService_ReachTheClientForThatService()
    {
        _client.Ports =
        [
            new PortView(8080, "http", true, PortOnOpen.Ignore, PortVisibility.Private, $"http://s8080-3-api-{WorkspaceId}.localhost:5000/", [], "api"),
            new PortView(8080, null, true, PortOnOpen.Notify, PortVisibility.Private, $"http://8080-{WorkspaceId}.localhost:5000/", []),
        ];
        var panel = Render<PortsPanel>(p => p.Add(c => c.WorkspaceId, WorkspaceId));
        panel.WaitForAssertion(() => panel.Find(".ports-table tr[data-service='api']"), TimeSpan.FromSeconds(10));

        await panel.Find(".ports-table tr[data-service='api'] select.visibility").ChangeAsync(new Microsoft.AspNetCore.Components.ChangeEventArgs { Value = "Public" });
        Assert.Equal(("api", 8080, PortVisibility.Public), _client.VisibilitySet);

        await panel.Find(".ports-table tr[data-service='api']").QuerySelectorAll("button").Single(b => b.TextContent == "Share link…").ClickAsync(new());
        await panel.Find("form.share-create").SubmitAsync();

        panel.WaitForAssertion(() => Assert.Equal(("api", 8080), _client.LinkCreated), TimeSpan.FromSeconds(10));
        panel.WaitForAssertion(() => Assert.Contains("Anyone with this link can open svc/api :8080", panel.Markup, StringComparison.Ordinal), TimeSpan.FromSeconds(10));
    }

    private sealed class FakePortsClient : IPortsClient
    {
        private readonly Channel<WorkspaceChange> _changes = Channel.CreateUnbounded<WorkspaceChange>();

        public IReadOnlyList<PortView> Ports { get; set; } = [];

        public (string? Service, int Port, PortVisibility Visibility)? VisibilitySet { get; private set; }

        public (string? Service, int Port)? LinkCreated { get; private set; }

        public Task<string?> GetTeamNameAsync(string userId, string workspaceId, CancellationToken cancellationToken) => Task.FromResult<string?>(null);

        public Task<PortsSnapshot> GetSnapshotAsync(string userId, string workspaceId, Uri ide, CancellationToken cancellationToken) => Task.FromResult(new PortsSnapshot(Ports));

        public async IAsyncEnumerable<WorkspaceChange> WatchAsync(string workspaceId, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await foreach (var change in _changes.Reader.ReadAllAsync(cancellationToken))
            {
                yield return change;
            }
        }

        public Task<Outcome<bool>> SetVisibilityAsync(string userId, string who, string workspaceId, string? service, int port, PortVisibility visibility, CancellationToken cancellationToken)
        {
            VisibilitySet = (service, port, visibility);
            return Task.FromResult(Outcome<bool>.Ok(true));
        }

        public Task<Outcome<CreatedPreviewShareLink>> CreateShareLinkAsync(
            string userId, string who, string workspaceId, string? service, int port, string? label, TimeSpan lifetime, Uri ide, CancellationToken cancellationToken)
        {
            LinkCreated = (service, port);
            var now = DateTimeOffset.UtcNow;
            var link = new PreviewShareLinkView("lnk_1", port, label, now, now + lifetime, null, null, 0, true, service);
            return Task.FromResult(Outcome<CreatedPreviewShareLink>.Ok(new CreatedPreviewShareLink(link, $"http://s{port}-3-{service}-{workspaceId}.localhost:5000/__workspaces/share/wsl_x")));
        }

        public Task<Outcome<bool>> RevokeShareLinkAsync(string userId, string who, string workspaceId, string linkId, CancellationToken cancellationToken) =>
            Task.FromResult(Outcome<bool>.Ok(true));
    }
}
