using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using Workspaces.Shared.Configuration;
using Workspaces.Web.Accounts;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Previews;

/// <summary>
/// The workspace's ports, live: URL, visibility, share links; a preview opens as an editor tab (editor/preview.js). A
/// port that starts listening while the panel is open is announced as its configuration's <c>onOpen</c> asks.
/// </summary>
public sealed partial class PortsPanel : IAsyncDisposable
{
    private readonly LiveWorkspaces _live = new();
    private readonly List<PortNotice> _notices = [];
    private IReadOnlyList<PortView> _ports = [];
    private HashSet<int>? _listening;
    private string _userId = "";
    private string _who = "";
    private string? _shareFor;
    private string? _label;
    private string _expiry = "1d";
    private DateTime? _customExpiry;
    private string? _createdUrl;
    private string? _error;
    private string? _teamName;

    [Parameter, EditorRequired]
    public string WorkspaceId { get; set; } = "";

    /// <summary>The ports after each change, for the workbench (its side view, status bar and palette).</summary>
    [Parameter]
    public EventCallback<PortsSnapshot> PortsChanged { get; set; }

    [Inject]
    private IPortsClient Client { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private ILogger<PortsPanel> Logger { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        var user = (await AuthenticationState).User;
        _userId = user.Id();
        _who = user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "The owner";
        _teamName = await Client.GetTeamNameAsync(_userId, WorkspaceId, CancellationToken.None);

        await LoadAsync(announce: false);
        _live.Start(token => Client.WatchAsync(WorkspaceId, token), () => InvokeAsync(async () =>
        {
            await LoadAsync(announce: true);
            StateHasChanged();
        }), Logger);
    }

    private async Task LoadAsync(bool announce)
    {
        _ports = (await Client.GetSnapshotAsync(_userId, WorkspaceId, new Uri(Navigation.BaseUri), CancellationToken.None)).Ports;
        // Only the workspace's own ports are announced; a Service is there because someone deployed it.
        var listening = _ports.Where(p => p.Listening && p.Service is null).Select(p => p.Port).ToHashSet();
        if (announce && _listening is not null)
        {
            foreach (var port in _ports.Where(p => p.Listening && p.Service is null && !_listening.Contains(p.Port)))
            {
                await AnnounceAsync(port);
            }
        }

        _listening = listening;
        await PortsChanged.InvokeAsync(new PortsSnapshot(_ports));
    }

    private async Task AnnounceAsync(PortView port)
    {
        var name = port.Name is null ? $"Port {port.Port}" : $"Port {port.Port} ({port.Name})";
        switch (port.OnOpen)
        {
            case PortOnOpen.Ignore:
                return;
            case PortOnOpen.OpenPreview:
                await ShowPreviewAsync(port.Url);
                return;
            case PortOnOpen.OpenBrowser:
                // Browsers block pop-ups not caused by a click; the notice keeps a link in case this one is.
                await JS.InvokeVoidAsync("open", port.Url, "_blank", "noopener");
                break;
        }

        _notices.RemoveAll(n => n.Port == port.Port);
        _notices.Add(new PortNotice(port.Port, $"{name} is listening.", port.Url));
    }

    private async Task ShowPreviewAsync(string url) => await JS.InvokeVoidAsync("workspaces.openPreview", url);

    private async Task SetVisibilityAsync(PortView port, object? value)
    {
        if (!Enum.TryParse<PortVisibility>(value as string, out var visibility) || visibility == port.Visibility)
        {
            return;
        }

        await Client.SetVisibilityAsync(_userId, _who, WorkspaceId, port.Service, port.Port, visibility, CancellationToken.None);
        await LoadAsync(announce: false);
    }

    private string VisibilityHelp(PortVisibility visibility) => visibility switch
    {
        PortVisibility.Public => "Anyone with the URL can open it.",
        PortVisibility.Team => $"Any signed-in member of {_teamName ?? "the workspace's team"} can open it.",
        _ => "Only you can open it.",
    };

    /// <summary>"port 3000", or the Service's "svc/api :8080".</summary>
    private static string Describe(PortView port) => port.Service is null ? string.Create(CultureInfo.InvariantCulture, $"port {port.Port}") : port.Title;

    private static string Key(PortView port) => port.Service is null ? port.Port.ToString(CultureInfo.InvariantCulture) : $"{port.Service}:{port.Port}";

    private static string State(PortView port) => port.Service is not null
        ? port.Listening ? "service" : "Service gone"
        : port.Listening ? "listening" : "not listening";

    private void ToggleShare(PortView port)
    {
        var key = Key(port);
        _shareFor = _shareFor == key ? null : key;
        _createdUrl = null;
        _error = null;
    }

    private async Task CreateLinkAsync(PortView port)
    {
        _error = null;
        _createdUrl = null;
        TimeSpan lifetime;
        if (_expiry == "custom")
        {
            if (_customExpiry is not { } at)
            {
                _error = "Pick when the link expires.";
                return;
            }

            lifetime = new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) - Time.GetUtcNow();
        }
        else if (!PreviewsApi.TryParseLifetime(_expiry, out lifetime))
        {
            _error = "Pick when the link expires.";
            return;
        }

        var outcome = await Client.CreateShareLinkAsync(_userId, _who, WorkspaceId, port.Service, port.Port, _label, lifetime, new Uri(Navigation.BaseUri), CancellationToken.None);
        if (outcome.Value is not { } created)
        {
            _error = outcome.Field switch
            {
                PreviewService.ExpiryField => "A link must live between a minute and 30 days.",
                PreviewService.LabelField => "The label is too long.",
                "service" => outcome.Error,
                _ => string.Create(CultureInfo.InvariantCulture, $"Port {port.Port} cannot be shared."),
            };
            return;
        }

        _createdUrl = created.Url;
        _label = null;
        await LoadAsync(announce: false);
    }

    private async Task RevokeAsync(string linkId)
    {
        await Client.RevokeShareLinkAsync(_userId, _who, WorkspaceId, linkId, CancellationToken.None);
        await LoadAsync(announce: false);
    }

    public ValueTask DisposeAsync() => _live.DisposeAsync();

    private sealed record PortNotice(int Port, string Text, string Url);
}

/// <summary>The ports of a workspace after a change.</summary>
public sealed record PortsSnapshot(IReadOnlyList<PortView> Ports);
