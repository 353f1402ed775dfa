using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Workspaces.Data.Workspaces;
using Workspaces.ServiceDefaults.Logging;
using Workspaces.ServiceDefaults.Telemetry;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceController.Kubernetes.Runtime;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// The trace and the metrics of workspace starts. A start's trace begins at the request that asked for it
/// (<c>POST /api/workspaces</c>, Start, Retry): <c>workspace.start</c> under that request, one span per phase under
/// it, and the agent's own spans (its bootstrap carries the trace). Metrics are recorded once per start, by the replica
/// that launched it, when it ends Ready or Failed. Nothing is collected unless a collector or scraper is configured.
/// </summary>
public sealed class WorkspaceTelemetry : IDisposable
{
    public const string SourceName = "Workspaces.Web";
    public const string WorkspaceIdTag = "workspaces.workspace.id";

    private static readonly ActivitySource Source = new(SourceName);

    private readonly Meter _meter;
    private readonly Histogram<double> _startDuration;
    private readonly Histogram<double> _phaseDuration;
    private readonly Counter<long> _starts;
    private readonly Counter<long> _failures;
    private readonly Counter<long> _stops;
    private readonly Counter<long> _agentRestarts;
    private readonly ConcurrentDictionary<string, ActivityContext> _requested = new(StringComparer.Ordinal);
    // Every start this replica launched, with its span when something traces: metrics are recorded for a start whether or not it is traced.
    private readonly ConcurrentDictionary<string, Activity?> _starting = new(StringComparer.Ordinal);
    private readonly TelemetryState _state;
    private readonly AgentTelemetry? _agentSettings;
    private readonly TimeProvider _time;

    public WorkspaceTelemetry(IMeterFactory meters, IConfiguration configuration, TelemetryState state, IOptions<TelemetryOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(options);
        _state = state;
        _time = time;
        Runtime = KubernetesRuntimeExtensions.IsKubernetes(configuration) ? "kubernetes" : "local";
        _meter = meters.Create(SourceName);
        _startDuration = _meter.CreateHistogram<double>("workspaces.start.duration", "s", "From the request to Ready or Failed, by runtime, outcome and whether it started from a prebuild.", advice: Buckets);
        _phaseDuration = _meter.CreateHistogram<double>("workspaces.start.phase.duration", "s", "Time in each start phase (queued, starting_agent, cloning, tasks), by runtime, outcome and whether it started from a prebuild.", advice: Buckets);
        _starts = _meter.CreateCounter<long>("workspaces.starts", "{start}", "Starts that ended, by runtime, outcome (ready, failed) and whether they started from a prebuild.");
        _failures = _meter.CreateCounter<long>("workspaces.start.failures", "{failure}", "Failed starts by reason (the error code the user sees).");
        _stops = _meter.CreateCounter<long>("workspaces.stops", "{stop}", "Stops of running workspaces by reason (user, idle, admin, crash).");
        _agentRestarts = _meter.CreateCounter<long>("workspaces.agent.restarts", "{restart}", "Agents restarted after they died under a running workspace.");
        _agentSettings = AgentSettings(configuration, options.Value);
    }

    public string Runtime { get; }

    internal Meter Meter => _meter;

    private static InstrumentAdvice<double> Buckets { get; } = new() { HistogramBucketBoundaries = [0.25, 0.5, 1, 2, 3, 5, 8, 13, 20, 30, 60, 120, 300, 600] };

    /// <summary>The current request asked for this workspace to run: its start joins the request's trace.</summary>
    public void Requested(string workspaceId)
    {
        if (Activity.Current is { Recorded: true } request)
        {
            _requested[workspaceId] = request.Context;
        }
    }

    /// <summary>
    /// The launcher begins a start: <c>workspace.start</c> (from the request's time) and its <c>queued</c> phase. Until
    /// the returned scope is disposed, the start span is current, so the runtime's calls join its trace.
    /// </summary>
    public IDisposable Launching(string workspaceId, DateTimeOffset requestedAt, DateTimeOffset launchedAt)
    {
        var previous = Activity.Current;
        _requested.TryRemove(workspaceId, out var parent);
        if (_starting.TryRemove(workspaceId, out var superseded) && superseded is not null)
        {
            End(superseded, "superseded", null, launchedAt);
        }

        var start = Source.StartActivity("workspace.start", ActivityKind.Internal, parent, startTime: requestedAt);
        _starting[workspaceId] = start;
        if (start is null)
        {
            return Restore(previous);
        }

        start.SetTag(WorkspaceIdTag, workspaceId);
        start.SetTag("workspaces.runtime", Runtime);
        Phase(start, "queued", requestedAt, launchedAt);
        Activity.Current = start;
        return Restore(previous);
    }

    /// <summary>Telemetry settings for the agent, with the start's trace context.</summary>
    public AgentTelemetry? ForAgent(string workspaceId) =>
        _agentSettings is null ? null
        : _agentSettings with { TraceParent = _starting.TryGetValue(workspaceId, out var start) ? start?.Id : null };

    /// <summary>A start ended Ready or Failed: the phase spans, the duration histograms, the counters. Once per start.</summary>
    /// <param name="fromPrebuild">The agent restored a prebuild's snapshot instead of cloning (and skipped init).</param>
    public void Ended(WorkspaceStart start, WorkspacePhase outcome, AgentErrorCode? error, bool fromPrebuild)
    {
        ArgumentNullException.ThrowIfNull(start);
        var launchedHere = _starting.TryRemove(start.WorkspaceId, out var activity);
        if (!launchedHere)
        {
            return; // Launched by another replica (or before a restart): that one records it.
        }

        var now = _time.GetUtcNow();
        var outcomeName = outcome == WorkspacePhase.Ready ? "ready" : "failed";
        var end = start.ReadyAt ?? now;
        var runtime = new KeyValuePair<string, object?>("workspaces.runtime", Runtime);
        var outcomeTag = new KeyValuePair<string, object?>("workspaces.outcome", outcomeName);
        var prebuildTag = new KeyValuePair<string, object?>("workspaces.from_prebuild", fromPrebuild);
        Record("queued", start.RequestedAt, start.LaunchedAt);
        Record("starting_agent", start.LaunchedAt, start.AgentStartedAt ?? (start.CloneStartedAt is null ? end : null));
        Record("cloning", start.CloneStartedAt, start.CloneEndedAt ?? (start.TasksStartedAt is null ? end : null));
        Record("tasks", start.TasksStartedAt, start.TasksStartedAt is null ? null : end);
        _startDuration.Record((end - start.RequestedAt).TotalSeconds, runtime, outcomeTag, prebuildTag);
        _starts.Add(1, runtime, outcomeTag, prebuildTag);
        if (outcome != WorkspacePhase.Ready)
        {
            _failures.Add(1, runtime, new KeyValuePair<string, object?>("workspaces.reason", (error ?? AgentErrorCode.Unknown).ToString()));
        }

        if (activity is not null)
        {
            activity.SetTag(prebuildTag.Key, fromPrebuild);
            End(activity, outcomeName, outcome == WorkspacePhase.Ready ? null : (error ?? AgentErrorCode.Unknown).ToString(), end);
        }

        void Record(string phase, DateTimeOffset? from, DateTimeOffset? to)
        {
            if (from is not { } f || to is not { } t || t < f)
            {
                return;
            }

            _phaseDuration.Record((t - f).TotalSeconds, new KeyValuePair<string, object?>("workspaces.phase", phase), runtime, outcomeTag, prebuildTag);
            if (activity is not null && phase != "queued")
            {
                Phase(activity, phase, f, t);
            }
        }
    }

    /// <summary>The workspace stopped before its start ended: close the start's span without recording a start.</summary>
    public void Abandoned(string workspaceId)
    {
        _requested.TryRemove(workspaceId, out _);
        if (_starting.TryRemove(workspaceId, out var activity) && activity is not null)
        {
            End(activity, "stopped", null, _time.GetUtcNow());
        }
    }

    /// <param name="reason">user, idle, admin or crash.</param>
    public void Stopped(string reason) => _stops.Add(1, new KeyValuePair<string, object?>("workspaces.reason", reason));

    /// <summary>The running-workspaces gauge reads <paramref name="count"/> at each collection; null: not this replica's to say.</summary>
    public void ObserveRunning(Func<int?> count) =>
        _meter.CreateObservableGauge(
            "workspaces.running",
            () => count() is { } n ? [new Measurement<int>(n, new KeyValuePair<string, object?>("workspaces.runtime", Runtime))] : Array.Empty<Measurement<int>>(),
            "{workspace}",
            "Workspaces whose agent runs (reported by the leading replica).");

    public void AgentRestarted() => _agentRestarts.Add(1, new KeyValuePair<string, object?>("workspaces.runtime", Runtime));

    public void Dispose()
    {
        foreach (var activity in _starting.Values)
        {
            activity?.Dispose();
        }

        _meter.Dispose();
    }

    private static void Phase(Activity start, string phase, DateTimeOffset from, DateTimeOffset to)
    {
        var previous = Activity.Current;
        try
        {
            using var span = Source.StartActivity($"workspace.phase {phase}", ActivityKind.Internal, start.Context, startTime: from);
            span?.SetTag("workspaces.phase", phase);
            span?.SetTag(WorkspaceIdTag, start.GetTagItem(WorkspaceIdTag));
            span?.SetEndTime(to.UtcDateTime);
        }
        finally
        {
            Activity.Current = previous;
        }
    }

    private static void End(Activity activity, string outcome, string? error, DateTimeOffset at)
    {
        var previous = Activity.Current;
        activity.SetTag("workspaces.outcome", outcome);
        if (error is not null)
        {
            activity.SetStatus(ActivityStatusCode.Error, error);
            activity.SetTag("workspaces.reason", error);
        }

        activity.SetEndTime(at.UtcDateTime);
        activity.Stop();
        Activity.Current = previous;
    }

    private AgentTelemetry? AgentSettings(IConfiguration configuration, TelemetryOptions options)
    {
        var format = configuration.GetSection(LoggingOptions.SectionName)[nameof(LoggingOptions.Format)];
        if (!_state.Otlp)
        {
            return format is null ? null : new AgentTelemetry(null, null, null, format);
        }

        if (options.OtlpEndpoint is { } endpoint)
        {
            return new AgentTelemetry(endpoint, options.OtlpProtocol.ToString(), null, format);
        }

        // The standard variables: the agent's configuration holds only what its bootstrap says.
        var standard = new Uri(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]!);
        var protocol = configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] == "http/protobuf" ? nameof(OtlpProtocol.HttpProtobuf) : nameof(OtlpProtocol.Grpc);
        return new AgentTelemetry(standard, protocol, null, format);
    }

    private static Scope Restore(Activity? previous) => new(previous);

    private sealed class Scope(Activity? previous) : IDisposable
    {
        public void Dispose() => Activity.Current = previous;
    }
}
