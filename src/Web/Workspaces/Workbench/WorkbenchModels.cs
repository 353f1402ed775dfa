using Workspaces.Shared.Agent;

namespace Workspaces.Web.Workspaces.Workbench;

/// <summary>One row of the start screen: a phase, whether it is done, current, failed or pending, and how long it took.</summary>
public sealed record PhaseRow(WorkspacePhase Phase, string Label, string State, string Duration);

/// <summary>A task's output read so far, and where to read on.</summary>
public sealed record TaskLog(string Text, long Offset);

/// <summary>An action of the workspace page offered in the command palette (stop, restart, delete).</summary>
public sealed record WorkbenchAction(string Id, string Title);
