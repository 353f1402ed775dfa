using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Cloning;

public enum CloneOutcome
{
    /// <summary>The repository was cloned into the checkout directory.</summary>
    Cloned,

    /// <summary>A checkout was already there (a restart after stop): it was left exactly as it was.</summary>
    ExistingCheckout,

    /// <summary>The clone failed; <see cref="CloneResult.Error"/> says why and what to do.</summary>
    Failed,

    /// <summary>The agent is stopping; nothing was left behind.</summary>
    Cancelled,
}

public sealed record CloneResult(CloneOutcome Outcome, AgentError? Error)
{
    public static CloneResult Cloned { get; } = new(CloneOutcome.Cloned, null);

    public static CloneResult ExistingCheckout { get; } = new(CloneOutcome.ExistingCheckout, null);

    public static CloneResult Cancelled { get; } = new(CloneOutcome.Cancelled, null);

    public static CloneResult Failed(AgentError error) => new(CloneOutcome.Failed, error);

    public bool Succeeded => Outcome is CloneOutcome.Cloned or CloneOutcome.ExistingCheckout;
}
