using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.JSInterop;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Web.Accounts;
using Workspaces.Web.Authorization;
using Workspaces.Web.Components.Shared;
using Workspaces.Web.Workspaces.Workbench;
using Workspaces.Web.SourceControl;

namespace Workspaces.Web.Workspaces;

public sealed partial class WorkspacePage : IAsyncDisposable
{
    private const int MaxLogChars = 200_000;
    private readonly LiveWorkspaces _live = new();
    private readonly Dictionary<int, TaskLog> _logs = [];
    private WorkspaceDetails? _details;
    private WorkspaceView? _confirmDelete;
    private WorkspaceGitView? _confirmGit;
    private bool _notFound;
    private string _userId = "";
    private WorkspaceAccess? _access;
    private string _ownerName = "";
    private DateTimeOffset _eventsSentUpTo = DateTimeOffset.MinValue;
    private DateTimeOffset? _timingsSentFor;

    [Parameter]
    public string Id { get; set; } = "";

    /// <summary><c>confirm</c>: came from a stopped preview's "Start the workspace…"; the page asks before starting.</summary>
    [SupplyParameterFromQuery(Name = "start")]
    public string? StartRequest { get; set; }

    [Inject]
    private IWorkspacePageClient Client { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    [Inject]
    private ILogger<WorkspacePage> Logger { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _userId = (await AuthenticationState).User.Id();
        await LoadAsync();
        if (!_notFound)
        {
            // Once a second as well, so running durations tick and task output streams in.
            _live.Start(token => Client.WatchAsync(Id, token), RefreshAsync, Logger, alsoEvery: TimeSpan.FromSeconds(1));
        }
    }

    private async Task LoadAsync()
    {
        if (await Client.GetSnapshotAsync(_userId, Id, CancellationToken.None) is not { } snapshot)
        {
            _details = null;
            _notFound = true;
            return;
        }

        _details = snapshot.Details;
        // Asked each time: a share taken back or changed shows at once (the actions are refused anyway).
        _access = snapshot.Access;
        if (_access is not null && !IsOwner && _ownerName.Length == 0)
        {
            _ownerName = await Client.OwnerNameAsync(_access, CancellationToken.None);
        }

        if (_details.Workspace.DesiredState == DesiredState.Running)
        {
            await Client.TouchAsync(Id, CancellationToken.None);
            foreach (var task in _details.Tasks)
            {
                await ReadLogAsync(task.Index);
            }
        }
    }

    private async Task ReadLogAsync(int index)
    {
        var log = _logs.GetValueOrDefault(index) ?? new TaskLog("", 0);
        var chunk = await Client.ReadTaskLogAsync(_userId, Id, index, log.Offset, CancellationToken.None);
        if (chunk is null || chunk.Text.Length == 0)
        {
            return;
        }

        var text = log.Text + chunk.Text;
        _logs[index] = new TaskLog(text.Length > MaxLogChars ? text[^MaxLogChars..] : text, chunk.Length);
    }

    private Task RefreshAsync() => InvokeAsync(async () =>
    {
        try
        {
            await LoadAsync();
        }
        catch (HttpRequestException)
        {
            // The agent is going away (stop, restart); the next refresh shows the new state.
        }

        StateHasChanged();
    });

    private bool IsOwner => _access?.Relations.Contains(Relation.Owner) == true;

    private bool Can(Permission permission) => _access?.Can(permission) == true;

    private string WhoRunsIt() => Can(Permission.WorkspaceStop)
        ? $"Only {_ownerName} can start it; as an administrator you can stop or delete it."
        : $"Only {_ownerName} can start, stop or delete it.";

    private bool AsksToStart => StartRequest == "confirm" && Can(Permission.WorkspaceStart) && _details?.Workspace.DesiredState == DesiredState.Stopped;

    private async Task StartAsync()
    {
        StartRequest = null;
        await Client.StartAsync(_userId, Id, CancellationToken.None);
    }

    private void DeclineStart()
    {
        StartRequest = null;
        Navigation.NavigateTo($"/workspaces/{Id}", replace: true);
    }

    private async Task StopAsync() => await Client.StopAsync(_userId, Id, CancellationToken.None);

    private async Task RestartAsync()
    {
        _logs.Clear();
        await Client.RestartAsync(_userId, Id, CancellationToken.None);
    }

    private async Task DeleteAsync(WorkspaceView w)
    {
        _confirmDelete = null;
        await Client.DeleteAsync(_userId, w.Id, CancellationToken.None);
        Navigation.NavigateTo("/");
    }

    private List<PhaseRow> PhaseRows() => EnumeratePhaseRows().ToList();

    private IEnumerable<PhaseRow> EnumeratePhaseRows()
    {
        var start = _details!.LastStart;
        var agent = Client.GetAgentStatus(Id);
        var phase = _details.Workspace.Phase;
        var now = Time.GetUtcNow();
        var agentPhase = (WorkspacePhase p) => agent?.Phases.FirstOrDefault(x => x.Phase == p);

        var requested = start?.RequestedAt;
        var launched = start?.LaunchedAt;
        var listening = agentPhase(WorkspacePhase.StartingAgent)?.EndedAt ?? start?.AgentStartedAt;
        var cloneStart = agentPhase(WorkspacePhase.Cloning)?.StartedAt ?? start?.CloneStartedAt;
        var cloneEnd = agentPhase(WorkspacePhase.Cloning)?.EndedAt ?? start?.CloneEndedAt;
        var tasksStart = agentPhase(WorkspacePhase.RunningTasks)?.StartedAt ?? start?.TasksStartedAt;
        var ready = agentPhase(WorkspacePhase.RunningTasks)?.EndedAt ?? start?.ReadyAt ?? _details.Workspace.ReadyAt;

        yield return Row(WorkspacePhase.Queued, "Queued", requested, launched ?? (phase == WorkspacePhase.Queued ? null : requested));
        yield return Row(WorkspacePhase.StartingAgent, "Starting agent", launched, listening);
        yield return Row(WorkspacePhase.Cloning, "Cloning repository", cloneStart, cloneEnd);
        yield return Row(WorkspacePhase.RunningTasks, "Running tasks", tasksStart, phase == WorkspacePhase.Ready ? ready ?? now : null);
        yield return new PhaseRow(WorkspacePhase.Ready, "Ready", phase == WorkspacePhase.Ready ? "done" : "pending",
            phase == WorkspacePhase.Ready && requested is { } r && ready is { } done ? $"in {Durations.Format(done - r)}" : "");

        PhaseRow Row(WorkspacePhase p, string label, DateTimeOffset? from, DateTimeOffset? to)
        {
            var failedHere = phase == WorkspacePhase.Failed && from is not null && to is null;
            var state = failedHere ? "failed" : to is not null ? "done" : from is not null || phase == p ? "current" : "pending";
            var duration = from is { } f ? Durations.Format((to ?? now) - f) : "";
            return new PhaseRow(p, label, state, duration);
        }
    }

    private async Task ConfirmDeleteAsync(WorkspaceView w)
    {
        _confirmGit = w.Git;
        _confirmDelete = w;
        StateHasChanged();
        _confirmGit = await Client.CheckGitAsync(_userId, w.Id, CancellationToken.None) ?? w.Git;
    }

    public ValueTask DisposeAsync() => _live.DisposeAsync();
}
