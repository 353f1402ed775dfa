using k8s.Models;
using Workspaces.Shared.Reconciliation;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Controller;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Tests.Controller;

/// <summary>The controller's decision, row by row: what it sees → the status phase, the steps in order, when it looks again.</summary>
public sealed class WorkspaceDeciderTests
{
    private const string PodName = "ws-demo";
    private const string Hash = "hash-now";
    private static readonly DateTimeOffset Now = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly ControllerOptions Options = new()
    {
        Namespace = "workspaces",
        BaseBackoff = TimeSpan.FromSeconds(10),
        MaxBackoff = TimeSpan.FromMinutes(5),
        CrashLoopLimit = 3,
        CrashLoopWindow = TimeSpan.FromMinutes(5),
        StartTimeout = TimeSpan.FromMinutes(10),
    };

    /// <summary>A row: what the pass sees, then what it should decide.</summary>
    public sealed record Row(string Name, WorkspaceObservation Seen, string ExpectedPhase, string[] ExpectedActions, TimeSpan? ExpectedRequeue)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Row> Rows => new()
    {
        new Row("new workspace, no pod: creates it",
            Seen(Workspace(), new WorkspaceStatus(), pod: null),
            WorkspaceStatusPhase.Pending, ["CreatePod ws-demo"], null),
        new Row("stop asked, pod running: deletes it once and says so",
            Seen(Workspace(DesiredState.Stopped), Status(WorkspaceStatusPhase.Running), Running()),
            WorkspaceStatusPhase.Stopping, ["DeletePod ws-demo", "Event Normal Stopping"], null),
        new Row("stop asked, pod already terminating: waits without deleting again",
            Seen(Workspace(DesiredState.Stopped), Status(WorkspaceStatusPhase.Stopping), Terminating(Running())),
            WorkspaceStatusPhase.Stopping, [], null),
        new Row("stop asked, no pod: stopped",
            Seen(Workspace(DesiredState.Stopped), Status(WorkspaceStatusPhase.Stopping), pod: null),
            WorkspaceStatusPhase.Stopped, [], null),
        new Row("failed, same generation: stays failed and its pod goes",
            Seen(Workspace(), Status(WorkspaceStatusPhase.Failed, observedGeneration: 1), Running()),
            WorkspaceStatusPhase.Failed, ["DeletePod ws-demo"], null),
        new Row("failed, then a retry (new generation) with the old pod: deletes it and starts over",
            Seen(Workspace(generation: 2), Status(WorkspaceStatusPhase.Failed, observedGeneration: 1), Running()),
            WorkspaceStatusPhase.Starting, ["DeletePod ws-demo"], null),
        new Row("failed, then a retry with no pod: creates one at once",
            Seen(Workspace(generation: 2), Failures(Status(WorkspaceStatusPhase.Failed, observedGeneration: 1), restarts: 3, lastAt: Now), pod: null),
            WorkspaceStatusPhase.Starting, ["CreatePod ws-demo"], null),
        new Row("pod ended once: counts it, writes that first, then deletes the pod and waits its back-off",
            Seen(Workspace(), Status(WorkspaceStatusPhase.Running), Ended(Running(), exitCode: 137)),
            WorkspaceStatusPhase.Starting, ["WriteStatus", "Event Warning AgentExited", "NotePodEnded ws-demo AgentExited 1", "DeletePod ws-demo"], TimeSpan.FromSeconds(10)),
        new Row("pod ended a third time in the window: crash loop, failed",
            Seen(Workspace(), Failures(Status(WorkspaceStatusPhase.Running), restarts: 2, lastAt: Now.AddMinutes(-1)), Ended(Running(), exitCode: 1)),
            WorkspaceStatusPhase.Failed, ["WriteStatus", "Event Warning CrashLoop", "NotePodEnded ws-demo CrashLoop 3", "DeletePod ws-demo"], null),
        new Row("ended pod already counted (same uid): only deleted again",
            Seen(Workspace(), Failures(Status(WorkspaceStatusPhase.Starting), restarts: 1, lastAt: Now, uid: "pod-uid"), Ended(Running(), exitCode: 1)),
            WorkspaceStatusPhase.Starting, ["DeletePod ws-demo"], TimeSpan.FromSeconds(10)),
        new Row("pod gone after a crash, back-off not over: waits",
            Seen(Workspace(), Failures(Status(WorkspaceStatusPhase.Starting), restarts: 1, lastAt: Now.AddSeconds(-4)), pod: null),
            WorkspaceStatusPhase.Starting, [], TimeSpan.FromSeconds(6)),
        new Row("clone failed: failed with the clone's words, pod deleted",
            Seen(Workspace(), Status(WorkspaceStatusPhase.Starting), CloneFailed(Running())),
            WorkspaceStatusPhase.Failed, ["WriteStatus", "Event Warning CloneFailed", "DeletePod ws-demo"], null),
        new Row("pod ready: running, nothing to do",
            Seen(Workspace(), Status(WorkspaceStatusPhase.Starting), Ready(Running())),
            WorkspaceStatusPhase.Running, [], null),
        new Row("pod still starting: waits until the start deadline",
            Seen(Workspace(), Created(Status(WorkspaceStatusPhase.Starting), Now.AddMinutes(-4)), Running()),
            WorkspaceStatusPhase.Starting, [], TimeSpan.FromMinutes(6)),
        new Row("pod starting past the deadline: failed, event, pod deleted",
            Seen(Workspace(), Created(Status(WorkspaceStatusPhase.Starting), Now.AddMinutes(-11)), Running()),
            WorkspaceStatusPhase.Failed, ["Event Warning StartTimeout", "DeletePod ws-demo"], null),
        new Row("spec changed before ready: the pod is replaced",
            Seen(Workspace(), Status(WorkspaceStatusPhase.Starting), Running(hash: "hash-before")),
            WorkspaceStatusPhase.Starting, ["DeletePod ws-demo"], null),
        new Row("spec changed while running: the pod stays, the restart is pending",
            Seen(Workspace(), Status(WorkspaceStatusPhase.Running), Ready(Running(hash: "hash-before"))),
            WorkspaceStatusPhase.Running, [], null),
        new Row("pod terminating on a lost node, just seen: waits grace and margin",
            Seen(Workspace(), Status(WorkspaceStatusPhase.Running), NodeLost(Terminating(Running()))),
            WorkspaceStatusPhase.Starting, [], TimeSpan.FromSeconds(90)),
        new Row("pod terminating on a lost node long enough: force-deleted",
            Seen(Workspace(), Status(WorkspaceStatusPhase.Running), NodeLost(Terminating(Running())), nodeLostSince: Now.AddSeconds(-91)),
            WorkspaceStatusPhase.Starting, ["ForceDeletePod ws-demo", "Event Warning NodeLost"], null),
        new Row("a child is not the workspace's: failed, event, pod deleted",
            Seen(Workspace(), Status(WorkspaceStatusPhase.Running), Running(), problem: new ChildrenProblem("ChildConflict", "A Service named ws-demo already exists.")),
            WorkspaceStatusPhase.Failed, ["Event Warning ChildConflict", "DeletePod ws-demo"], null),
        new Row("the same child problem again: no second event",
            Seen(Workspace(), Failed("A Service named ws-demo already exists."), pod: null, problem: new ChildrenProblem("ChildConflict", "A Service named ws-demo already exists.")),
            WorkspaceStatusPhase.Failed, [], null),
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Decide_WhatThePassSees_DecidesThePhaseTheStepsAndTheRequeue(Row row)
    {
        var decision = new WorkspaceDecider(Options).Decide(row.Seen);

        Assert.Equal(row.ExpectedPhase, decision.Status.Phase ?? WorkspaceStatusPhase.Pending);
        Assert.Equal(row.ExpectedActions, decision.Actions.Select(Describe));
        Assert.Equal(row.ExpectedRequeue, decision.Result.RequeueAfter);
    }

    [Fact]
    public void Decide_PodEnded_LeavesTheObservedStatusAlone()
    {
        var status = Status(WorkspaceStatusPhase.Running);

        var decision = new WorkspaceDecider(Options).Decide(Seen(Workspace(), status, Ended(Running(), exitCode: 1)));

        Assert.Equal(WorkspaceStatusPhase.Running, status.Phase);
        Assert.Null(status.Restarts);
        Assert.Equal(1, decision.Status.Restarts);
        Assert.Equal("pod-uid", decision.Status.LastFailedPodUid);
    }

    [Fact]
    public void Decide_PodReady_SetsTheAgentUrlFromTheServiceName()
    {
        var decision = new WorkspaceDecider(Options).Decide(Seen(Workspace(), Status(WorkspaceStatusPhase.Starting), Ready(Running())));

        Assert.Equal("http://ws-demo.workspaces.svc.cluster.local:8700", decision.Status.AgentUrl);
        Assert.Null(decision.Status.StartStep);
    }

    [Fact]
    public void Decide_NodeLostPodSeenFirst_RemembersSinceNow()
    {
        var decision = new WorkspaceDecider(Options).Decide(Seen(Workspace(), Status(WorkspaceStatusPhase.Running), NodeLost(Terminating(Running()))));

        Assert.Equal(Now, decision.NodeLostSince);
    }

    [Fact]
    public void PodCreated_AfterACreate_StartsSchedulingWithTheControllersClock()
    {
        var status = Failures(Status(WorkspaceStatusPhase.Starting), restarts: 1, lastAt: Now);

        WorkspaceDecider.PodCreated(status, PodName, Now);

        Assert.Equal(WorkspaceStatusPhase.Starting, status.Phase);
        Assert.Equal("Scheduling", status.StartStep);
        Assert.Equal(PodName, status.PodName);
        Assert.Equal(Now, status.Timings!.PodCreatedAt);
    }

    private static string Describe(WorkspaceAction action) => action switch
    {
        CreatePod a => $"CreatePod {a.Name}",
        DeletePod a => $"DeletePod {a.Name}",
        ForceDeletePod a => $"ForceDeletePod {a.Name}",
        RecordEvent a => $"Event {a.Type} {a.Reason}",
        WriteStatus => "WriteStatus",
        NotePodEnded a => $"NotePodEnded {a.PodName} {a.Reason} {a.Restarts}",
        _ => action.GetType().Name,
    };

    private static WorkspaceObservation Seen(WorkspaceResource workspace, WorkspaceStatus status, V1Pod? pod, ChildrenProblem? problem = null, DateTimeOffset? nodeLostSince = null) =>
        new(workspace, status, pod, Now) { ConfigHash = Hash, ChildrenProblem = problem, NodeLostSince = nodeLostSince };

    private static WorkspaceResource Workspace(string desired = DesiredState.Running, long generation = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = "demo", NamespaceProperty = "workspaces", Uid = "ws-uid", Generation = generation },
        Spec = new WorkspaceSpec { Owner = "user-1", DesiredState = desired },
    };

    private static WorkspaceStatus Status(string phase, long observedGeneration = 1) => new() { Phase = phase, ObservedGeneration = observedGeneration };

    private static WorkspaceStatus Failed(string message) => new() { Phase = WorkspaceStatusPhase.Failed, Message = message, ObservedGeneration = 1 };

    private static WorkspaceStatus Failures(WorkspaceStatus status, int restarts, DateTimeOffset lastAt, string? uid = null)
    {
        // Ticks that are a whole second: the restart's deterministic jitter is then zero.
        status.Restarts = restarts;
        status.FirstPodFailureAt = lastAt;
        status.LastPodFailureAt = lastAt;
        status.LastFailedPodUid = uid;
        return status;
    }

    private static WorkspaceStatus Created(WorkspaceStatus status, DateTimeOffset at)
    {
        status.Timings = new WorkspaceTimings { PodCreatedAt = at };
        return status;
    }

    private static V1Pod Running(string hash = Hash) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = PodName,
            Uid = "pod-uid",
            Annotations = new Dictionary<string, string> { [WorkspaceResourceBuilder.ConfigHashAnnotation] = hash },
        },
        Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = "10.0.0.7",
            Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "True", LastTransitionTime = Now.UtcDateTime }],
            ContainerStatuses = [new V1ContainerStatus { Name = "workspace", Ready = false, State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = Now.UtcDateTime } } }],
        },
    };

    private static V1Pod Ready(V1Pod pod)
    {
        pod.Status.ContainerStatuses[0].Ready = true;
        pod.Status.Conditions.Add(new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = Now.UtcDateTime });
        return pod;
    }

    private static V1Pod Ended(V1Pod pod, int exitCode)
    {
        pod.Status.Phase = "Failed";
        pod.Status.ContainerStatuses[0].State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = "Error" } };
        return pod;
    }

    private static V1Pod CloneFailed(V1Pod pod)
    {
        pod.Status.Phase = "Failed";
        pod.Status.InitContainerStatuses = [new V1ContainerStatus { Name = "clone", State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = 128, Message = "repository not found" } } }];
        return pod;
    }

    private static V1Pod Terminating(V1Pod pod)
    {
        pod.Metadata.DeletionTimestamp = Now.UtcDateTime;
        pod.Metadata.DeletionGracePeriodSeconds = 30;
        return pod;
    }

    private static V1Pod NodeLost(V1Pod pod)
    {
        pod.Status.Conditions.Add(new V1PodCondition { Type = "Ready", Status = "Unknown" });
        return pod;
    }
}
