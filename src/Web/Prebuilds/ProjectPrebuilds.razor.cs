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
    private readonly SemaphoreSlim _reading = new(1, 1);
    private readonly List<Task> _watches = [];
    private CancellationTokenSource? _watch;
    private string? _logFor;
    private string _log = "";
    private long _logLength = -1;
    private bool _logTrimmed;

    [Parameter, EditorRequired]
    public string ProjectId { get; set; } = "";

    [Parameter, EditorRequired]
    public string UserId { get; set; } = "";

    [Inject]
    private IProjectPrebuildsClient Prebuilds { get; set; } = default!;

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

        await Task.WhenAll(_watches).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _watch?.Dispose();
        _disposed.Dispose();
        _reading.Dispose();
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

    // While a prebuild waits or runs, its status and the new part of the shown log are read again every few seconds (how
    // a page on another replica than the prebuild's follows its log); with prebuilds on and none running, every fifth
    // tick, so one a push or the schedule queues shows up without a reload. On the prebuild's own replica the log is
    // also pushed as it is stored (WatchLogAsync).
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, Time);
        var ticks = 0;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var busy = _view?.Prebuilds.Any(p => p.Status is PrebuildStatus.Queued or PrebuildStatus.Running) == true;
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

        await ReadLogAsync();
    }

    /// <summary>Appends what the shown log gained since the last read (its end, the first time); keeps the page's copy bounded.</summary>
    private async Task ReadLogAsync()
    {
        await _reading.WaitAsync();
        try
        {
            if (_logFor is not { } prebuildId
                || (await Prebuilds.GetLogAsync(UserId, ProjectId, prebuildId, _logLength, CancellationToken.None)).Value is not { } read
                || prebuildId != _logFor)
            {
                return;
            }

            if (_logLength < 0)
            {
                _logTrimmed = read.Length > System.Text.Encoding.UTF8.GetByteCount(read.Text);
            }

            _log += read.Text;
            _logLength = read.Length;
            if (_log.Length > PrebuildLogs.MaxReadBytes)
            {
                var cut = _log.IndexOf('\n', _log.Length - PrebuildLogs.MaxReadBytes);
                _log = cut < 0 ? _log[^PrebuildLogs.MaxReadBytes..] : _log[(cut + 1)..];
                _logTrimmed = true;
            }
        }
        finally
        {
            _reading.Release();
        }
    }

    private async Task FollowLogAsync(string prebuildId)
    {
        if (_watch is not null)
        {
            await _watch.CancelAsync();
            _watch.Dispose();
        }

        (_logFor, _log, _logLength, _logTrimmed) = (prebuildId, "", -1, false);
        _watch = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
        var token = _watch.Token;
        _watches.RemoveAll(t => t.IsCompleted);
        _watches.Add(Task.Run(async () =>
        {
            try
            {
                await foreach (var _ in Prebuilds.WatchLogAsync(prebuildId, token))
                {
                    await InvokeAsync(async () =>
                    {
                        await ReadLogAsync();
                        StateHasChanged();
                    });
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
        }, token));
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
        if (run.Value is { } queued && queued.Id != _logFor)
        {
            await FollowLogAsync(queued.Id);
        }

        await LoadAsync(resetForm: false);
    }

    private async Task ShowLogAsync(string prebuildId)
    {
        if (prebuildId != _logFor)
        {
            await FollowLogAsync(prebuildId);
        }

        await LoadAsync(resetForm: false);
    }
}
