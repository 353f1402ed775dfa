using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>The one line the agent writes to a clone worker's standard input (the credential travels only through the pipe).</summary>
public sealed record CloneWorkerRequest(CloneRequest Request, string Directory);

/// <summary>
/// A line the worker writes to its standard output: progress while cloning, then exactly one final line with
/// <see cref="Completed"/> set and <see cref="Failure"/> null on success.
/// </summary>
public sealed record CloneWorkerMessage(CloneProgress? Progress, bool Completed, CloneFailure? Failure);
