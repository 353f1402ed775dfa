using Workspaces.WorkspaceController.ClusterAccess;

namespace Workspaces.Web.ClusterAccess;

/// <param name="Available">Whether this server can give workspaces a namespace at all.</param>
/// <param name="Unavailable">Why not, when it cannot: what the project page says.</param>
/// <param name="Rules">The project's own Role; null: the administrator's default (<paramref name="Ceiling"/>).</param>
/// <param name="ExampleNamespace">The pattern applied to an example workspace name.</param>
/// <param name="ScaleToZeroOnStop">Whether a workspace's stop scales the Deployments of its namespace to zero (and its start back).</param>
/// <param name="ScaleToZeroAvailable">Whether this server can do that (the controller does it; the local runtime cannot).</param>
public sealed record ClusterAccessView(
    bool Available,
    string? Unavailable,
    bool Enabled,
    string NamespacePattern,
    IReadOnlyList<ClusterAccessRule>? Rules,
    IReadOnlyList<ClusterAccessRule> Ceiling,
    string ExampleNamespace,
    bool CanEdit,
    bool ScaleToZeroOnStop = false,
    bool ScaleToZeroAvailable = true);

/// <param name="Rules">Null or absent: the administrator's default Role.</param>
/// <param name="ScaleToZeroOnStop">Null or absent: off (stopping a workspace touches nothing in its namespace).</param>
public sealed record ClusterAccessRequest(bool? Enabled, string? NamespacePattern, IReadOnlyList<ClusterAccessRule>? Rules, bool? ScaleToZeroOnStop = null);
