using System.Globalization;
using Microsoft.AspNetCore.Components;
using Workspaces.Data.Prebuilds;
using Workspaces.Web.Authorization;
using Workspaces.Web.Prebuilds;

namespace Workspaces.Web.Prebuilds;

public sealed partial class ProjectPrebuilds
{
    private const int IdleRefreshTicks = 5;
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);
    private readonly CancellationTokenSource _disposed = new();
    private Task? _refreshing;
    private ProjectPrebuildsView? _view;
    private string? _error;
    private bool _enabled;
    private string _patterns = "";
    private int _everyNth = 1;
    private int _maxBehind = 100;
    private int _keep = 3;
    private int _scheduleHours;
    private TimeOnly? _scheduleAt;
    private string? _runBranch;
    private string? _logFor;
    private string _log = "";

    [Parameter, EditorRequired]
    public string ProjectId { get; set; } = "";

    [Parameter, EditorRequired]
    public string UserId { get; set; } = "";

    [Inject]
    private PrebuildService Prebuilds { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private TimeProvider Time { get; set; } = default!;

    public async ValueTask DisposeAsync()
    {
        await _disposed.CancelAsync();
        if (_refreshing is not null)
        {
            await _refreshing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        _disposed.Dispose();
    }

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync(resetForm: true);
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender && RendererInfo.IsInteractive)
        {
            _refreshing = RefreshAsync(_disposed.Token);
        }
    }

    // While a prebuild waits or runs, its status and log are read again every few seconds; with prebuilds on and none
    // running, every fifth tick, so one a push or the schedule queues shows up without a reload.
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, Time);
        var ticks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var busy = _view?.Prebuilds.Any(p => p.Status is PrebuildStatus.Queued or PrebuildStatus.Running) == true || _logFor is not null;
                if (busy || (_view?.Settings.Enabled == true && ++ticks % IdleRefreshTicks == 0))
                {
                    await InvokeAsync(async () =>
                    {
                        await LoadAsync(resetForm: false);
                        StateHasChanged();
                    });
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task LoadAsync(bool resetForm)
    {
        var loaded = await Prebuilds.GetAsync(UserId, ProjectId, CancellationToken.None);
        _view = loaded.Value;
        if (_view is not null && resetForm)
        {
            var s = _view.Settings;
            (_enabled, _patterns, _everyNth, _maxBehind, _keep) = (s.Enabled, s.BranchPatterns, s.EveryNthCommit, s.MaxCommitsBehind, s.KeepPerBranch);
            (_scheduleHours, _scheduleAt) = (s.ScheduleHours, PrebuildSchedules.TryParseTime(s.ScheduleAt, out var at) ? at : null);
        }

        if (_logFor is not null)
        {
            _log = (await Prebuilds.GetLogAsync(UserId, ProjectId, _logFor, -1, CancellationToken.None)).Value?.Text ?? "";
        }
    }

    private async Task SaveAsync()
    {
        var saved = await Prebuilds.UpdateSettingsAsync(UserId, ProjectId, new PrebuildSettingsRequest(_enabled, _patterns, _everyNth, _maxBehind, _keep, _scheduleHours, _scheduleAt?.ToString("HH:mm", CultureInfo.InvariantCulture)), CancellationToken.None);
        _error = saved.Kind == ActionOutcome.Ok ? null : $"{saved.Field}: {saved.Error}".TrimStart(':', ' ');
        await LoadAsync(resetForm: saved.Kind == ActionOutcome.Ok);
    }

    // The offered intervals, and a value set through the API that is not among them.
    private IEnumerable<(int Hours, string Label)> ScheduleChoices =>
        PrebuildSchedules.Choices.Any(c => c.Hours == _scheduleHours)
            ? PrebuildSchedules.Choices
            : PrebuildSchedules.Choices.Append((Hours: _scheduleHours, Label: PrebuildSchedules.Label(_scheduleHours))).OrderBy(c => c.Hours);

    private async Task RunAsync()
    {
        var run = await Prebuilds.RunNowAsync(UserId, ProjectId, _runBranch, CancellationToken.None);
        _error = run.Kind == ActionOutcome.Ok ? null : run.Error;
        _logFor = run.Value?.Id ?? _logFor;
        await LoadAsync(resetForm: false);
    }

    private async Task ShowLogAsync(string prebuildId)
    {
        _logFor = prebuildId;
        await LoadAsync(resetForm: false);
    }
}
