using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Authorization;
using Workspaces.Web.Accounts;
using Workspaces.Web.SourceControl;

namespace Workspaces.Web.Workspaces;

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
    private IDashboardClient Client { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private ILogger<Dashboard> Logger { get; set; } = default!;

    [CascadingParameter]
    private Task<AuthenticationState> AuthenticationState { get; set; } = default!;

    protected override async Task OnInitializedAsync()
    {
        _userId = (await AuthenticationState).User.Id();
        Show(await Client.GetSnapshotAsync(_userId, CancellationToken.None));
        _live.Start(token => Client.WatchAsync(_userId, token), RefreshAsync, Logger, alsoEvery: TimeSpan.FromSeconds(30));
    }

    private Task RefreshAsync() => InvokeAsync(async () =>
    {
        Show(await Client.GetSnapshotAsync(_userId, CancellationToken.None));
        StateHasChanged();
    });

    private void Show(DashboardSnapshot snapshot)
    {
        _workspaces = snapshot.Workspaces;
        _projects = snapshot.Projects;
    }

    private async Task CreateAsync()
    {
        _creating = true;
        _createError = null;
        try
        {
            var result = await Client.CreateAsync(_userId, _url, _ref, CancellationToken.None);
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
    private string? TaskProblem(WorkspaceView w) => Client.TaskProblem(w);

    private async Task StartAsync(WorkspaceView w) => await Client.StartAsync(_userId, w.Id, CancellationToken.None);

    private async Task StopAsync(WorkspaceView w) => await Client.StopAsync(_userId, w.Id, CancellationToken.None);

    private async Task RestartAsync(WorkspaceView w) => await Client.RestartAsync(_userId, w.Id, CancellationToken.None);

    private async Task ConfirmDeleteAsync(WorkspaceView w)
    {
        _confirmGit = w.Git;
        _confirmDelete = w;
        StateHasChanged();
        _confirmGit = await Client.CheckGitAsync(_userId, w.Id, CancellationToken.None) ?? w.Git;
    }

    private async Task DeleteAsync(WorkspaceView w)
    {
        _confirmDelete = null;
        await Client.DeleteAsync(_userId, w.Id, CancellationToken.None);
        await RefreshAsync();
    }

    public ValueTask DisposeAsync() => _live.DisposeAsync();
}
