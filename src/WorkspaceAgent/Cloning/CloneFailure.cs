namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>What the agent observed about a failed clone, beyond the library's message (which is often generic).</summary>
/// <param name="LibraryMessage">The Git library's message, already redacted.</param>
/// <param name="ReferenceNotFound">The requested branch was missing after the fetch.</param>
/// <param name="CredentialRequested">The server asked for credentials.</param>
/// <param name="CredentialRejected">The server asked again after getting the stored credential: it rejected it.</param>
/// <param name="DiskLimitExceeded">The transfer was stopped for growing past the disk limit.</param>
/// <param name="DefaultBranch">The remote's default branch, when it could be found out.</param>
public sealed record CloneFailure(
    string LibraryMessage,
    bool ReferenceNotFound = false,
    bool CredentialRequested = false,
    bool CredentialRejected = false,
    bool DiskLimitExceeded = false,
    string? DefaultBranch = null);
