using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Workspaces.Web.Accounts;
using Workspaces.Web.Components.Shared;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Components.Pages;

public sealed partial class Dashboard : IAsyncDisposable
{
    private readonly LiveWorkspaces _live = new();
    private IReadOnlyList<WorkspaceView>? _workspaces;
    private IReadOnlyList<Projects.MemberProjectView>? _projects;
    private string _url = "";
    private string _ref = "";
    private string? _createError;
    private bool _creating;
    private WorkspaceView? _confirmDelete;
    private WorkspaceGitView? _confirmGit;
    private string _userId = "";

    [Inject]
    private WorkspaceService Workspaces { get; set; } = default!;

    [Inject]
    private WorkspaceGit Git { get; set; } = default!;

    [Inject]
    private Projects.ProjectService Projects { get; set; } = default!;

    [Inject]
    private WorkspaceStatusFeed Feed { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    [Inject]
    private ILogger<Dashboard> Logger { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _userId = (await AuthenticationState).User.Id();
        _workspaces = await Workspaces.ListAsync(_userId, CancellationToken.None);
        _projects = await Projects.ListForMemberAsync(_userId, CancellationToken.None);
        _live.Start(Feed, change => change.OwnerId == _userId, RefreshAsync, Logger, alsoEvery: TimeSpan.FromSeconds(30));
    }

    private Task RefreshAsync() => InvokeAsync(async () =>
    {
        _workspaces = await Workspaces.ListAsync(_userId, CancellationToken.None);
        _projects = await Projects.ListForMemberAsync(_userId, CancellationToken.None);
        StateHasChanged();
    });

    private async Task CreateAsync()
    {
        _creating = true;
        _createError = null;
        try
        {
            var result = await Workspaces.CreateAsync(_userId, _url, _ref, CancellationToken.None);
            if (result.Value is { } created)
            {
                Navigation.NavigateTo(created.Url);
                return;
            }

            _createError = result.Error;
        }
        finally
        {
            _creating = false;
        }
    }

    /// <summary>"1 task failed" for a running workspace whose agent said so; its own workspaces only (the feed knows those).</summary>
    private string? TaskProblem(WorkspaceView w) =>
        Feed.GetAgentStatus(w.Id) is { } status ? Workbench.TaskFailures.Summary(w, status.Tasks) : null;

    private async Task StartAsync(WorkspaceView w) => await Workspaces.StartAsync(_userId, w.Id, CancellationToken.None);

    private async Task StopAsync(WorkspaceView w) => await Workspaces.StopAsync(_userId, w.Id, CancellationToken.None);

    private async Task RestartAsync(WorkspaceView w) => await Workspaces.RestartAsync(_userId, w.Id, CancellationToken.None);

    private async Task ConfirmDeleteAsync(WorkspaceView w)
    {
        _confirmGit = w.Git;
        _confirmDelete = w;
        StateHasChanged();
        _confirmGit = await Git.CheckAsync(_userId, w.Id, CancellationToken.None) ?? w.Git;
    }

    private async Task DeleteAsync(WorkspaceView w)
    {
        _confirmDelete = null;
        await Workspaces.DeleteAsync(_userId, w.Id, CancellationToken.None);
        await RefreshAsync();
    }

    public ValueTask DisposeAsync() => _live.DisposeAsync();
}
