using System.Globalization;
using k8s;
using k8s.Models;
using Workspaces.Shared.Reconciliation;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

/// <summary>
/// What should happen to one Workspace, decided from what a pass sees and nothing else (no API calls, no clock, no
/// state): the status it should have, the pod created, deleted or left, and the events to record. The reconciler
/// carries the actions out; table tests cover the decision.
/// </summary>
public sealed class WorkspaceDecider(ControllerOptions options)
{
    private static readonly TimeSpan NodeLostMargin = TimeSpan.FromSeconds(60);

    public WorkspaceDecision Decide(WorkspaceObservation observed)
    {
        ArgumentNullException.ThrowIfNull(observed);
        var pass = new Pass(observed, Clone(observed.Status));
        var result = Decide(pass);
        return new WorkspaceDecision(pass.Status, pass.Actions, result) { NodeLostSince = pass.NodeLostSince };
    }

    /// <summary>The status once the pod <paramref name="podName"/> was created at <paramref name="now"/>.</summary>
    public static void PodCreated(WorkspaceStatus status, string podName, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.Phase = WorkspaceStatusPhase.Starting;
        status.StartStep = "Scheduling";
        status.Message = null;
        status.RestartPending = null;
        status.PodName = podName;
        status.PodIP = null;
        status.AgentUrl = null;
        // The controller's own clock: the start deadline is measured against it, never against the API server's.
        status.Timings = new WorkspaceTimings { PodCreatedAt = now };
    }

    /// <summary>The status once Kubernetes refused (422) one of the workspace's objects; the message is the event's too.</summary>
    public static void Refused(WorkspaceStatus status, string kind, string name, string why)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.Phase = WorkspaceStatusPhase.Failed;
        status.Message = $"Kubernetes refused the workspace's {kind} {name} (422): {why}";
    }

    private sealed class Pass(WorkspaceObservation observed, WorkspaceStatus status)
    {
        public WorkspaceObservation Observed { get; } = observed;

        public WorkspaceResource Workspace => Observed.Workspace;

        public V1Pod? Pod => Observed.Pod;

        public DateTimeOffset Now => Observed.Now;

        public WorkspaceStatus Status { get; } = status;

        public List<WorkspaceAction> Actions { get; } = [];

        public DateTimeOffset? NodeLostSince { get; set; }

        public string PodName => ControllerOptions.ChildName(Workspace.Metadata.Name);

        public bool PodLive => Pod is not null && Pod.Metadata.DeletionTimestamp is null;

        public void Do(WorkspaceAction action) => Actions.Add(action);
    }

    private ReconcileResult Decide(Pass pass)
    {
        var status = pass.Status;
        var workspace = pass.Workspace;
        if (pass.Observed.ChildrenProblem is { } problem)
        {
            if (status.Phase != WorkspaceStatusPhase.Failed || status.Message != problem.Message)
            {
                pass.Do(new RecordEvent("Warning", problem.Reason, problem.Message));
            }

            // No pod runs without its own policy, secret and service.
            if (pass.PodLive)
            {
                pass.Do(new DeletePod(pass.PodName));
            }

            status.Phase = WorkspaceStatusPhase.Failed;
            status.Message = problem.Message;
            status.AgentUrl = null;
            return ReconcileResult.Done;
        }

        if (workspace.Spec.DesiredState == DesiredState.Stopped)
        {
            return Stop(pass);
        }

        if (status.Phase == WorkspaceStatusPhase.Failed && status.ObservedGeneration != workspace.Metadata.Generation)
        {
            // A new request (the user's retry) after a failure: start over with a fresh pod and no back-off.
            status.Phase = WorkspaceStatusPhase.Starting;
            status.StartStep = null;
            status.Message = null;
            ResetFailures(status);
            if (pass.Pod is not null)
            {
                if (pass.PodLive)
                {
                    pass.Do(new DeletePod(pass.PodName));
                }

                return ReconcileResult.Done;
            }
        }
        else if (status.Phase == WorkspaceStatusPhase.Failed)
        {
            // Failed stays failed, with no pod, until the spec changes (a retry): nothing keeps running or restarting.
            if (pass.PodLive)
            {
                pass.Do(new DeletePod(pass.PodName));
            }

            status.AgentUrl = null;
            status.PodIP = null;
            return ReconcileResult.Done;
        }

        if (pass.Pod is not { } pod)
        {
            return Create(pass);
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // The old pod is going; its DELETED event brings the workspace back here.
            status.Phase = WorkspaceStatusPhase.Starting;
            status.AgentUrl = null;
            return Terminating(pass, pod);
        }

        if (pod.Status?.Phase is "Failed" && FailedInit(pod) is { } init)
        {
            return CloneFailed(pass, pod, init);
        }

        if (pod.Status?.Phase is "Failed" or "Succeeded")
        {
            return PodEnded(pass, pod);
        }

        return Observe(pass, pod);
    }

    private static ReconcileResult Stop(Pass pass)
    {
        var status = pass.Status;
        if (pass.Pod is not null)
        {
            if (pass.PodLive)
            {
                pass.Do(new DeletePod(pass.PodName));
                pass.Do(new RecordEvent("Normal", "Stopping", "Stopping the workspace; its volume is kept."));
            }

            status.Phase = WorkspaceStatusPhase.Stopping;
            status.Message = "Stopping the workspace.";
            return ReconcileResult.Done;
        }

        status.Phase = WorkspaceStatusPhase.Stopped;
        status.Message = null;
        status.StartStep = null;
        status.PodName = null;
        status.PodIP = null;
        status.AgentUrl = null;
        ResetFailures(status);
        return ReconcileResult.Done;
    }

    private ReconcileResult Create(Pass pass)
    {
        var status = pass.Status;
        var wait = RestartDelay(status, pass.Now);
        if (wait > TimeSpan.Zero)
        {
            status.Phase = WorkspaceStatusPhase.Starting;
            status.Message = $"Restarting in {Math.Ceiling(wait.TotalSeconds)} s after the pod ended unexpectedly.";
            return ReconcileResult.After(wait);
        }

        if (status.Phase is not WorkspaceStatusPhase.Starting and not WorkspaceStatusPhase.Running)
        {
            ResetFailures(status);
        }

        pass.Do(new CreatePod(pass.PodName));
        return ReconcileResult.Done;
    }

    /// <summary>
    /// A terminating pod whose node is gone (Ready Unknown) never finishes terminating: no kubelet runs its shutdown. After
    /// its grace period and a margin the controller force-deletes it, as an operator would, so the workspace can run again.
    /// </summary>
    private static ReconcileResult Terminating(Pass pass, V1Pod pod)
    {
        var nodeLost = pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "Unknown") == true;
        if (!nodeLost)
        {
            return ReconcileResult.Done;
        }

        var since = pass.Observed.NodeLostSince ?? pass.Now;
        var due = since + TimeSpan.FromSeconds(pod.Metadata.DeletionGracePeriodSeconds ?? 30) + NodeLostMargin;
        pass.Status.Message = "The pod's node is not responding; a new pod starts once the old one is confirmed gone. Files are kept.";
        if (pass.Now < due)
        {
            pass.NodeLostSince = since;
            return ReconcileResult.After(due - pass.Now);
        }

        pass.Do(new ForceDeletePod(pod.Metadata.Name));
        pass.Do(new RecordEvent("Warning", "NodeLost", $"Force-deleted pod {pod.Metadata.Name}: its node stopped responding."));
        return ReconcileResult.Done;
    }

    /// <summary>
    /// A failed clone (a wrong URL, missing credentials, no network to the Git host) fails the same way on every retry:
    /// the workspace fails at once with the clone's own words, which the start screen shows, and keeps no pod.
    /// </summary>
    private static ReconcileResult CloneFailed(Pass pass, V1Pod pod, V1ContainerStatus init)
    {
        var status = pass.Status;
        var terminated = init.State.Terminated;
        var words = string.IsNullOrWhiteSpace(terminated.Message) ? $"exit code {terminated.ExitCode.ToString(CultureInfo.InvariantCulture)}" : terminated.Message.Trim();
        status.Phase = WorkspaceStatusPhase.Failed;
        status.StartStep = init.Name == "clone" ? "Cloning" : "PullingImage";
        status.AgentUrl = null;
        status.PodIP = null;
        status.Message = init.Name == "clone"
            ? $"Cloning the repository failed: {words}. Check the repository URL and your Git credentials, then start the workspace again."
            : $"The {init.Name} init container failed: {words}.";
        pass.Do(new WriteStatus());
        pass.Do(new RecordEvent("Warning", init.Name == "clone" ? "CloneFailed" : "InitFailed", status.Message));
        pass.Do(new DeletePod(pod.Metadata.Name));
        return ReconcileResult.Done;
    }

    /// <summary>
    /// The pod ended while the workspace should run (crash, eviction, the liveness probe). The failure is counted in the
    /// status before the pod goes, so a 409 on that write leaves the pod for the next pass to count (once: by its uid).
    /// </summary>
    private ReconcileResult PodEnded(Pass pass, V1Pod pod)
    {
        var status = pass.Status;
        var now = pass.Now;
        var evicted = pod.Status.Reason == "Evicted";
        if (status.LastFailedPodUid != pod.Metadata.Uid)
        {
            var reason = evicted ? "Evicted" : "AgentExited";
            var detail = evicted ? pod.Status.Message : ExitDetail(pod);
            if (status.FirstPodFailureAt is not { } first || now - first > options.CrashLoopWindow)
            {
                status.FirstPodFailureAt = now;
                status.Restarts = 0;
            }

            status.Restarts = (status.Restarts ?? 0) + 1;
            status.LastPodFailureAt = now;
            status.LastFailedPodUid = pod.Metadata.Uid;
            status.StartStep = null;
            status.AgentUrl = null;
            status.PodIP = null;
            status.RestartPending = null;
            if (status.Restarts >= options.CrashLoopLimit)
            {
                reason = "CrashLoop";
                status.Phase = WorkspaceStatusPhase.Failed;
                status.Message = $"The workspace stopped unexpectedly {status.Restarts} times in {FormatWindow(options.CrashLoopWindow)} (last: {detail}), so it is not restarted again. Look at the task logs, then start it again; files are kept.";
            }
            else
            {
                status.Phase = WorkspaceStatusPhase.Starting;
                status.Message = evicted ? $"The pod was evicted ({detail}); starting a new one. Files are kept." : $"The workspace agent stopped unexpectedly ({detail}); starting it again. Files are kept.";
            }

            pass.Do(new WriteStatus());
            pass.Do(new RecordEvent("Warning", reason, status.Message));
            pass.Do(new NotePodEnded(pod.Metadata.Name, reason, status.Restarts.Value));
        }

        pass.Do(new DeletePod(pod.Metadata.Name));
        return status.Phase == WorkspaceStatusPhase.Failed ? ReconcileResult.Done : ReconcileResult.After(RestartDelay(status, now));
    }

    /// <summary>A live pod: where its start is, a spec that changed under it, a start that took too long.</summary>
    private ReconcileResult Observe(Pass pass, V1Pod pod)
    {
        var status = pass.Status;
        var workspace = pass.Workspace;
        var now = pass.Now;
        var podHash = pod.Metadata.Annotations?.TryGetValue(WorkspaceResourceBuilder.ConfigHashAnnotation, out var h) == true ? h : null;
        var specChanged = podHash is not null && podHash != pass.Observed.ConfigHash;
        ObservePod(workspace, pod, status, now);
        if (specChanged && status.Timings?.ReadyAt is null)
        {
            // Nothing of the user's runs yet: the pod is replaced with one built from the new spec.
            pass.Do(new DeletePod(pass.PodName));
            status.Phase = WorkspaceStatusPhase.Starting;
            status.Message = "The spec changed while the workspace started: replacing the pod.";
            return ReconcileResult.Done;
        }

        // A running pod is never rolled under the user: the change waits for the next start, and the status says so.
        status.RestartPending = specChanged ? true : null;
        if (specChanged && status.Phase == WorkspaceStatusPhase.Running)
        {
            status.Message ??= "The spec changed (image, class, repository, variables or credentials): the change applies at the next restart.";
        }

        if (status.Phase != WorkspaceStatusPhase.Running)
        {
            var created = status.Timings?.PodCreatedAt ?? now;
            var timeout = workspace.Spec.Timeouts?.StartSeconds is { } s ? TimeSpan.FromSeconds(s) : options.StartTimeout;
            if (now - created > timeout)
            {
                var step = status.StartStep;
                status.Phase = WorkspaceStatusPhase.Failed;
                status.Message = $"The workspace did not become ready within {timeout.TotalSeconds:0} seconds (stuck at {step}). {status.Message}".Trim();
                status.AgentUrl = null;
                pass.Do(new RecordEvent("Warning", "StartTimeout", $"The workspace did not become ready within {timeout.TotalSeconds:0} s (last step: {step}); its pod is deleted."));
                pass.Do(new DeletePod(pass.PodName));
                return ReconcileResult.Done;
            }

            return ReconcileResult.After(created + timeout - now);
        }

        return ReconcileResult.Done;
    }

    /// <summary>An init container that exited non-zero (the clone, usually): its termination message says why.</summary>
    private static V1ContainerStatus? FailedInit(V1Pod pod) =>
        pod.Status?.InitContainerStatuses?.FirstOrDefault(s => s.State?.Terminated is { ExitCode: not 0 });

    private static void ResetFailures(WorkspaceStatus status)
    {
        status.Restarts = null;
        status.LastPodFailureAt = null;
        status.FirstPodFailureAt = null;
        status.LastFailedPodUid = null;
        status.RestartPending = null;
    }

    private static string FormatWindow(TimeSpan window) =>
        window.TotalMinutes >= 1 ? $"{window.TotalMinutes:0.#} minutes" : $"{window.TotalSeconds:0} seconds";

    private void ObservePod(WorkspaceResource workspace, V1Pod pod, WorkspaceStatus status, DateTimeOffset now)
    {
        var timings = status.Timings ??= new WorkspaceTimings();
        timings.PodCreatedAt ??= pod.Metadata.CreationTimestamp is { } c ? new DateTimeOffset(c, TimeSpan.Zero) : now;
        var conditions = pod.Status?.Conditions ?? [];
        timings.ScheduledAt ??= ConditionTime(conditions, "PodScheduled");
        timings.InitializedAt ??= ConditionTime(conditions, "Initialized");
        var main = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == "workspace");
        if (main?.State?.Running?.StartedAt is { } started)
        {
            timings.AgentStartedAt ??= new DateTimeOffset(started, TimeSpan.Zero);
        }

        status.PodName = pod.Metadata.Name;
        status.PodIP = pod.Status?.PodIP;
        var running = pod.Status?.Phase == "Running" && main?.State?.Running is not null;
        var podReady = conditions.FirstOrDefault(c => c.Type == "Ready")?.Status;
        var ready = running && main?.Ready == true && podReady is null or "True";
        if (ready || (running && timings.ReadyAt is not null))
        {
            timings.ReadyAt ??= ConditionTime(conditions, "Ready") ?? now;
            status.Phase = WorkspaceStatusPhase.Running;
            status.StartStep = null;
            // Once ready, a failing readiness probe (missed probes under CPU throttling, a busy agent) is a blip, not a
            // failed start: the pod and the user's processes stay. The liveness probe decides when the agent is dead.
            status.Message = ready ? null : "The agent is not answering its readiness probe; the pod keeps running (its liveness probe ends it if the agent is dead).";
            status.AgentUrl = $"http://{WorkspaceResourceBuilder.Host(workspace, options)}:{options.AgentPort}";
            return;
        }

        status.Phase = WorkspaceStatusPhase.Starting;
        status.AgentUrl = null;
        var waiting = pod.Status?.InitContainerStatuses?.FirstOrDefault(s => s.State?.Terminated is null) ?? main;
        var waitingReason = waiting?.State?.Waiting?.Reason;
        status.StartStep = StartStep(timings.ScheduledAt is not null, conditions, waiting);
        status.Message = waitingReason is "ErrImagePull" or "ImagePullBackOff" or "CreateContainerConfigError" or "InvalidImageName"
            ? $"{waitingReason}: {waiting!.State.Waiting.Message}"
            : null;
    }

    /// <summary>
    /// Where a pending pod is, from what the kubelet reports: the sandbox waits for the volume, each container first for
    /// its image. Approximate by nature (an image pull and a volume attach both show as ContainerCreating).
    /// </summary>
    private static string StartStep(bool scheduled, IList<V1PodCondition> conditions, V1ContainerStatus? waiting)
    {
        if (!scheduled)
        {
            return "Scheduling";
        }

        if (conditions.FirstOrDefault(c => c.Type == "PodReadyToStartContainers") is { Status: not "True" })
        {
            return "PreparingVolume";
        }

        return waiting switch
        {
            { State.Waiting.Reason: "ErrImagePull" or "ImagePullBackOff" } => "PullingImage",
            { Name: "install-agent" } => "PullingImage",
            { Name: "clone" } => "Cloning",
            { State.Running: not null } => "StartingAgent",
            { Name: "workspace" } => "PullingImage",
            _ => "StartingAgent",
        };
    }

    private TimeSpan RestartDelay(WorkspaceStatus status, DateTimeOffset now)
    {
        if (status.LastPodFailureAt is not { } failedAt || (status.Restarts ?? 0) == 0)
        {
            return TimeSpan.Zero;
        }

        // Deterministic per failure (so a re-reconcile does not move the restart), jittered across workspaces.
        var jitter = (failedAt.UtcTicks % 1000) / 1000.0;
        var due = failedAt + new Backoff(options.BaseBackoff, options.MaxBackoff).Delay(status.Restarts.GetValueOrDefault(), jitter);
        return due > now ? due - now : TimeSpan.Zero;
    }

    private static DateTimeOffset? ConditionTime(IEnumerable<V1PodCondition> conditions, string type) =>
        conditions.FirstOrDefault(c => c.Type == type && c.Status == "True")?.LastTransitionTime is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;

    private static string ExitDetail(V1Pod pod)
    {
        var terminated = pod.Status?.ContainerStatuses?.FirstOrDefault(s => s.Name == "workspace")?.State?.Terminated;
        if (terminated is null)
        {
            return pod.Status?.Reason ?? "pod ended";
        }

        var text = $"exit code {terminated.ExitCode.ToString(CultureInfo.InvariantCulture)}";
        if (!string.IsNullOrEmpty(terminated.Reason))
        {
            text += $", {terminated.Reason}";
        }

        return string.IsNullOrEmpty(terminated.Message) ? text : $"{text}: {terminated.Message}";
    }

    private static WorkspaceStatus Clone(WorkspaceStatus status) => KubernetesJson.Deserialize<WorkspaceStatus>(KubernetesJson.Serialize(status));
}
