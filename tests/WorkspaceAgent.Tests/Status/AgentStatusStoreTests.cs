using Microsoft.Extensions.Time.Testing;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Status;

namespace Workspaces.WorkspaceAgent.Tests.Status;

public sealed class AgentStatusStoreTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly AgentStatusStore _store;

    public AgentStatusStoreTests() => _store = new AgentStatusStore(_time, Start);

    [Fact]
    public void Current_New_StartingAgentSinceStart()
    {
        var status = _store.Current;

        Assert.Equal(WorkspacePhase.StartingAgent, status.Phase);
        Assert.Equal([new PhaseTiming(WorkspacePhase.StartingAgent, Start, null)], status.Phases);
        Assert.Equal(Start, status.AgentStartedAt);
    }

    [Fact]
    public void EnterPhase_Later_ClosesThePreviousPhaseAndBumpsVersion()
    {
        var before = _store.Current.Version;
        _time.Advance(TimeSpan.FromMilliseconds(300));

        _store.EnterPhase(WorkspacePhase.Cloning);

        var status = _store.Current;
        Assert.Equal(WorkspacePhase.Cloning, status.Phase);
        Assert.Equal(before + 1, status.Version);
        Assert.Equal(new PhaseTiming(WorkspacePhase.StartingAgent, Start, Start.AddMilliseconds(300)), status.Phases[0]);
        Assert.Equal(new PhaseTiming(WorkspacePhase.Cloning, Start.AddMilliseconds(300), null), status.Phases[1]);
    }

    [Fact]
    public async Task WaitForChange_NewerVersionAlready_ReturnsAtOnce()
    {
        var status = await _store.WaitForChangeAsync(0, TimeSpan.FromSeconds(30), CancellationToken.None);

        Assert.Equal(_store.Current, status);
    }

    [Fact]
    public async Task WaitForChange_ChangeArrives_ReturnsTheNewStatus()
    {
        var version = _store.Current.Version;
        var wait = _store.WaitForChangeAsync(version, TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(wait.IsCompleted);

        _store.Fail(new AgentError(AgentErrorCode.Unknown, "m", "a"));

        var status = await wait;
        Assert.Equal(WorkspacePhase.Failed, status.Phase);
        Assert.True(status.Version > version);
    }

    [Fact]
    public async Task WaitForChange_NothingChanges_ReturnsCurrentAfterTheTimeout()
    {
        var version = _store.Current.Version;
        var wait = _store.WaitForChangeAsync(version, TimeSpan.FromSeconds(10), CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(wait.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(1));

        var status = await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(version, status.Version);
    }

    [Fact]
    public async Task WaitForChange_CallerGoesAway_ReturnsWithoutThrowing()
    {
        using var cancel = new CancellationTokenSource();
        var wait = _store.WaitForChangeAsync(_store.Current.Version, TimeSpan.FromSeconds(30), cancel.Token);

        await cancel.CancelAsync();

        var status = await wait.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(_store.Current.Version, status.Version);
    }

    [Fact]
    public void ReportCloneProgress_ManyWithinTheInterval_PublishesOnce()
    {
        var version = _store.Current.Version;

        for (var i = 1; i <= 100; i++)
        {
            _store.ReportCloneProgress(new CloneProgress(100, i, i, i * 10, 0, 0));
        }

        Assert.Equal(version + 1, _store.Current.Version);
        Assert.Equal(1, _store.Current.CloneProgress?.ReceivedObjects);
    }

    [Fact]
    public void ReportCloneProgress_AfterTheInterval_PublishesTheLatest()
    {
        _store.ReportCloneProgress(new CloneProgress(100, 1, 1, 10, 0, 0));
        _store.ReportCloneProgress(new CloneProgress(100, 2, 2, 20, 0, 0));
        var version = _store.Current.Version;

        _time.Advance(AgentStatusStore.CloneProgressInterval);
        _store.ReportCloneProgress(new CloneProgress(100, 3, 3, 30, 0, 0));

        Assert.Equal(version + 1, _store.Current.Version);
        Assert.Equal(3, _store.Current.CloneProgress?.ReceivedObjects);
    }

    [Fact]
    public void EnterPhase_WithHeldBackProgress_CarriesIt()
    {
        _store.ReportCloneProgress(new CloneProgress(100, 1, 1, 10, 0, 0));
        _store.ReportCloneProgress(new CloneProgress(100, 100, 100, 1000, 5, 5));

        _store.EnterPhase(WorkspacePhase.Ready);

        Assert.Equal(1.0, _store.Current.CloneProgress?.Fraction);
    }

    [Fact]
    public void UpdateTask_KnownIndex_ReplacesOnlyThatTask()
    {
        _store.SetTasks([Task(0, TaskRunState.Pending), Task(1, TaskRunState.Pending)]);

        _store.UpdateTask(Task(1, TaskRunState.Running));

        Assert.Equal([TaskRunState.Pending, TaskRunState.Running], _store.Current.Tasks.Select(task => task.State));
    }

    private static TaskState Task(int index, TaskRunState state) => new(index, $"t{index}", state, null, null, null, null);
}
