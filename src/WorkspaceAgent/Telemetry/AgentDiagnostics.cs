using System.Diagnostics;
using System.Diagnostics.Metrics;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Telemetry;

/// <summary>
/// The agent's spans and instruments. Static: an agent process serves exactly one workspace. Without a collector
/// configured nothing listens, and every call here returns at its first check.
/// </summary>
public static class AgentDiagnostics
{
    public const string SourceName = "Workspaces.Agent";

    private static readonly ActivitySource Source = new(SourceName);
    private static readonly Meter Meter = new(SourceName);

    public static readonly Counter<long> TerminalsOpened = Meter.CreateCounter<long>("workspaces.terminal.sessions", "{session}", "Terminals opened (shells and tasks).");
    public static readonly Counter<long> TerminalInput = Meter.CreateCounter<long>("workspaces.terminal.input", "By", "Bytes typed into terminals.");
    public static readonly Counter<long> TerminalOutput = Meter.CreateCounter<long>("workspaces.terminal.output", "By", "Bytes terminals' programs wrote.");

    /// <summary>A span of the start that launched this agent (its trace comes in the bootstrap); null when nothing listens.</summary>
    public static Activity? StartPhase(AgentBootstrap bootstrap, string name)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        ActivityContext.TryParse(bootstrap.Telemetry?.TraceParent, null, out var parent);
        var activity = Source.StartActivity(name, ActivityKind.Internal, parent);
        activity?.SetTag("workspaces.workspace.id", bootstrap.WorkspaceId);
        return activity;
    }

    public static void Fail(this Activity? activity, AgentError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        activity?.SetStatus(ActivityStatusCode.Error, error.Code.ToString());
        activity?.SetTag("workspaces.error.code", error.Code.ToString());
    }
}
