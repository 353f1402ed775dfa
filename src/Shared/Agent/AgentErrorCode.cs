namespace Workspaces.Shared.Agent;

/// <summary>What went wrong while preparing a workspace; each code maps to advice for the user.</summary>
public enum AgentErrorCode
{
    Unknown,
    InvalidRepositoryUrl,
    RepositoryNotFound,
    AuthenticationRequired,
    AuthenticationFailed,
    BranchNotFound,
    HostUnreachable,
    DiskLimitReached,
    AgentFailedToStart,
    AgentExited,
}
