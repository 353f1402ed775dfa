using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;
using Workspaces.Shared.Agent;
using Workspaces.Web.Components.Shared;
using Workspaces.Web.Previews;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Workspaces.Workbench;

/// <summary>
/// The workbench of a running workspace: mounts workbench.js (layout, keys, palette, themes) on its root and hands the
/// command palette the page's own actions. The editor and the terminals mount themselves (EditorPanel, TerminalPanel).
/// </summary>
public sealed partial class WorkbenchView
{
    private static readonly (string Id, string Title, string Icon)[] AllViews =
    [
        ("explorer", "Explorer (Ctrl+Shift+E)", "files"),
        ("search", "Search (Ctrl+Shift+F)", "search"),
        ("scm", "Source Control (Ctrl+Shift+G)", "source-control"),
        ("ports", "Ports & Previews", "remote-explorer"),
        ("tasks", "Tasks", "checklist"),
    ];

    private static readonly (string Id, string Title)[] AllPanels =
        [("terminal", "Terminal"), ("ports", "Ports"), ("tasks", "Tasks"), ("problems", "Problems"), ("output", "Output")];

    private ElementReference _root;
    private DotNetObjectReference<WorkbenchView>? _self;
    private IReadOnlyList<PortView> _ports = [];

    [Parameter, EditorRequired]
    public WorkspaceView Workspace { get; set; } = default!;

    [Parameter, EditorRequired]
    public WorkspaceDetails Details { get; set; } = default!;

    [Parameter, EditorRequired]
    public IReadOnlyDictionary<int, TaskLog> Logs { get; set; } = default!;

    [Parameter]
    public bool IsOwner { get; set; }

    /// <summary>Shared read-only: the terminals are watched, and typing says why nothing happens.</summary>
    [Parameter]
    public bool ReadOnly { get; set; }

    [Parameter, EditorRequired]
    public string UserId { get; set; } = "";

    /// <summary>"Ready in 4.2 s" once the last start is over; null before.</summary>
    [Parameter]
    public string? StartSummary { get; set; }

    /// <summary>Under the start screen while the tasks run: loaded, but out of reach of keys and pointers.</summary>
    [Parameter]
    public bool Covered { get; set; }

    [Parameter]
    public IReadOnlyList<WorkbenchAction> Actions { get; set; } = [];

    [Parameter]
    public EventCallback<string> OnCommand { get; set; }

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    private IEnumerable<(string Id, string Title, string Icon)> Views => AllViews.Where(v => IsOwner || v.Id != "ports");

    private IEnumerable<(string Id, string Title)> Panels => AllPanels.Where(p => IsOwner || p.Id != "ports");

    private int ListeningCount => _ports.Count(p => p.Listening && p.Service is null);

    protected override string ModulePath => "dist/workbench.js";

    protected override object?[] MountArguments()
    {
        _self = DotNetObjectReference.Create(this);
        return
        [
            _root,
            new
            {
                user = UserId,
                workspace = Workspace.Id,
                dotnet = _self,
                actions = Actions.Select(a => new { id = a.Id, title = a.Title }),
            },
        ];
    }

    protected override Task OnMountedAsync() => SendPortsAsync();

    protected override void OnDisposed() => _self?.Dispose();

    /// <summary>Called by workbench.js when the palette runs one of <see cref="Actions"/>.</summary>
    [JSInvokable]
    public Task RunCommand(string id) =>
        Actions.Any(a => a.Id == id) ? InvokeAsync(() => OnCommand.InvokeAsync(id)) : Task.CompletedTask;

    private async Task OnPortsChangedAsync(PortsSnapshot snapshot)
    {
        _ports = snapshot.Ports;
        await SendPortsAsync();
    }

    private async Task SendPortsAsync()
    {
        if (Mounted is { } workbench)
        {
            // The workspace's own ports; the development namespace's Services stay in the Ports views.
            await workbench.InvokeVoidAsync("setPorts", _ports.Where(p => p.Listening && p.Service is null).Select(p => new { port = p.Port, name = p.Name, url = p.Url }));
        }
    }

    private async Task OpenPreviewAsync(string url) => await JS.InvokeVoidAsync("workspaces.openPreview", url);

    private static string TaskStateText(TaskState task) => task.State switch
    {
        TaskRunState.Running => $"running {task.Step}",
        TaskRunState.Succeeded => "done",
        TaskRunState.Failed => $"failed in {task.Step} (exit code {task.ExitCode})",
        TaskRunState.Skipped => "skipped",
        _ => "waiting",
    };
}
