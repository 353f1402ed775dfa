using Workspaces.WorkspaceController.ClusterAccess;

namespace Workspaces.WorkspaceController.Runtime;

/// <summary>A development namespace for the workspace (its project's cluster access): the namespace and the Role's rules (null: the ceiling).</summary>
/// <param name="ScaleToZeroOnStop">Scale the namespace's Deployments to zero when the workspace stops, and back when it starts.</param>
public sealed record ClusterAccessLaunch(string Namespace, IReadOnlyList<ClusterAccessRule>? Rules, bool ScaleToZeroOnStop = false);
