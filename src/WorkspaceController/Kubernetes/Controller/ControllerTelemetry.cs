using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

/// <summary>
/// The controller's spans and instruments: reconcile duration, queue depth, retries, leadership. Static, as there is
/// one controller per process; nothing is collected unless telemetry is configured (ServiceDefaults).
/// </summary>
public static class ControllerTelemetry
{
    public const string SourceName = "Workspaces.Controller";

    /// <summary>The W3C traceparent of the start that last changed a Workspace resource (the web app writes it).</summary>
    public const string TraceParentAnnotation = "workspaces.dev/traceparent";

    private static readonly ActivitySource Source = new(SourceName);
    private static readonly Meter Meter = new(SourceName);
    private static readonly Histogram<double> ReconcileDuration = Meter.CreateHistogram<double>(
        "workspaces.controller.reconcile.duration", "s", "One reconcile of one Workspace resource, by outcome (done, error, conflict).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>("workspaces.controller.retries", "{retry}", "Reconciles that failed and were queued again with back-off.");
    private static Func<int>? _queueDepth;
    private static Func<bool>? _leading;

    static ControllerTelemetry()
    {
        Meter.CreateObservableGauge("workspaces.controller.queue.depth", () => _queueDepth?.Invoke() ?? 0, "{workspace}", "Workspaces waiting to be reconciled.");
        Meter.CreateObservableGauge("workspaces.controller.leader", () => _leading?.Invoke() == true ? 1 : 0, "{replica}", "1 while this replica holds the Lease and reconciles.");
    }

    public static void ObserveQueue(Func<int>? depth) => _queueDepth = depth;

    public static void ObserveLeadership(Func<bool> leading) => _leading = leading;

    /// <summary>A span for one reconcile, in the trace of the start that asked for it when the resource carries one.</summary>
    public static Activity? StartReconcile(string name, WorkspaceResource? workspace)
    {
        string? traceParent = null;
        workspace?.Metadata.Annotations?.TryGetValue(TraceParentAnnotation, out traceParent);
        ActivityContext.TryParse(traceParent, null, out var parent);
        var activity = Source.StartActivity("workspace.reconcile", ActivityKind.Internal, parent);
        activity?.SetTag("workspaces.workspace.id", name);
        return activity;
    }

    public static long Begin() => ReconcileDuration.Enabled ? Stopwatch.GetTimestamp() : 0;

    public static void Reconciled(long began, string outcome, Activity? activity)
    {
        if (began != 0)
        {
            ReconcileDuration.Record(Stopwatch.GetElapsedTime(began).TotalSeconds, new KeyValuePair<string, object?>("workspaces.outcome", outcome));
        }

        if (outcome is "error" or "conflict")
        {
            Retries.Add(1);
            activity?.SetStatus(ActivityStatusCode.Error, outcome);
        }
    }
}
