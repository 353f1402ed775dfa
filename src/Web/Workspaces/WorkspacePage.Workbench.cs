using System.Globalization;
using System.Text;
using Microsoft.JSInterop;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Web.Authorization;
using Workspaces.Web.Workspaces.Workbench;

namespace Workspaces.Web.Workspaces;

/// <summary>The start screen's hand-over to the workbench, and what the page tells the workbench (Output, palette).</summary>
public sealed partial class WorkspacePage
{
    private const string OutputChannel = "Workspace";

    /// <summary>The editor and terminals exist from the tasks on (Monaco loads while they run), for those who may watch.</summary>
    private bool ShowsWorkbench =>
        _details?.Workspace is { DesiredState: DesiredState.Running, Phase: WorkspacePhase.RunningTasks or WorkspacePhase.Ready }
        && Can(Permission.WorkspaceWatchTerminals);

    /// <summary>Until the workspace is ready, or when it failed or stopped; then it gives way to the workbench.</summary>
    private bool ShowsStartScreen => !ShowsWorkbench || _details?.Workspace.Phase != WorkspacePhase.Ready || AsksToStart;

    // The header is outside the workbench's root: ask the status bar's item, which runs the workbench command.
    private async Task ShowFailedTaskAsync() => await JS.InvokeVoidAsync("workspaces.click", "#workbench [data-status=tasks-failed]");

    private List<WorkbenchAction> WorkspaceActions()
    {
        var actions = new List<WorkbenchAction>();
        if (Can(Permission.WorkspaceStop))
        {
            actions.Add(new("stop", "Workspace: Stop"));
        }

        if (Can(Permission.WorkspaceStart))
        {
            actions.Add(new("restart", "Workspace: Restart"));
        }

        if (Can(Permission.WorkspaceDelete))
        {
            actions.Add(new("delete", "Workspace: Delete…"));
        }

        actions.Add(new("dashboard", "Workspace: Go to All Workspaces"));
        return actions;
    }

    private async Task RunCommandAsync(string id)
    {
        switch (id)
        {
            case "stop" when Can(Permission.WorkspaceStop):
                await StopAsync();
                break;
            case "restart" when Can(Permission.WorkspaceStart):
                await RestartAsync();
                break;
            case "delete" when Can(Permission.WorkspaceDelete) && _details is not null:
                await ConfirmDeleteAsync(_details.Workspace);
                break;
            case "dashboard":
                Navigation.NavigateTo("/");
                break;
        }

        StateHasChanged();
    }

    /// <summary>"Ready in 4.2 s" (and "from prebuild 3f2a1c (same commit)") for the status bar, once the last start is over.</summary>
    private string? StartSummary() =>
        _details?.Workspace.Phase == WorkspacePhase.Ready && PhaseRows() is [.., { Duration: { Length: > 0 } total }]
            ? _details.Prebuild?.Summary is { } prebuild ? $"Ready {total} {prebuild}" : $"Ready {total}"
            : null;

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (_details is null)
        {
            return;
        }

        try
        {
            await SendOutputAsync();
        }
        catch (JSDisconnectedException)
        {
            // The browser is gone.
        }
    }

    /// <summary>New workspace events, and the start's timings once it is ready, go to the Output panel.</summary>
    private async Task SendOutputAsync()
    {
        var fresh = _details!.Events.Where(e => e.At > _eventsSentUpTo).OrderBy(e => e.At).ToList();
        if (fresh.Count > 0)
        {
            _eventsSentUpTo = fresh[^1].At;
            var text = string.Join('\n', fresh.Select(e => string.Create(CultureInfo.InvariantCulture, $"[{e.At:u}] {e.Kind}: {e.Message}")));
            await JS.InvokeVoidAsync("workspaces.output", OutputChannel, text);
        }

        var start = _details.LastStart?.RequestedAt;
        if (_details.Workspace.Phase == WorkspacePhase.Ready && start is not null && _timingsSentFor != start)
        {
            _timingsSentFor = start;
            var timings = new StringBuilder().Append(CultureInfo.InvariantCulture, $"Start timings ({start:u}):");
            foreach (var row in PhaseRows())
            {
                timings.Append(CultureInfo.InvariantCulture, $"\n  {row.Label,-20} {row.Duration}");
            }

            await JS.InvokeVoidAsync("workspaces.output", OutputChannel, timings.ToString());
        }
    }
}
