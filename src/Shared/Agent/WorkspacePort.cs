using Workspaces.Shared.Configuration;

namespace Workspaces.Shared.Agent;

/// <summary>
/// A TCP port of the workspace: one a process of the workspace listens on, or one the configuration declares (then
/// <see cref="Listening"/> may be false). Never the agent's own port.
/// </summary>
/// <param name="Name">From <c>.gitpod.yml</c> <c>ports:</c> or devcontainer <c>portsAttributes</c>, if declared.</param>
/// <param name="Visibility">The visibility the configuration asks for (the owner may change it in the web app).</param>
/// <param name="Addresses">The local addresses the listeners are bound to (<c>0.0.0.0</c>, <c>127.0.0.1</c>, <c>::</c>, ...).</param>
public sealed record WorkspacePort(int Port, string? Name, PortOnOpen OnOpen, PortVisibility Visibility, bool Listening, IReadOnlyList<string> Addresses);
