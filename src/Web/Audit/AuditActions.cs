namespace Workspaces.Web.Audit;

/// <summary>The actions the audit log records (<see cref="Data.Audit.AuditEntry.Action"/>).</summary>
public static class AuditActions
{
    public const string SignedIn = "user.signed-in";
    public const string SignInFailed = "user.sign-in-failed";
    public const string SignedUp = "user.signed-up";
    public const string UserBlocked = "user.blocked";
    public const string UserUnblocked = "user.unblocked";

    public const string TeamCreated = "team.created";
    public const string TeamDeleted = "team.deleted";
    public const string InvitationCreated = "team.invitation-created";
    public const string InvitationRevoked = "team.invitation-revoked";
    public const string MemberJoined = "team.member-joined";
    public const string MemberRemoved = "team.member-removed";
    public const string MemberRoleChanged = "team.member-role-changed";

    public const string ProjectCreated = "project.created";
    public const string ProjectUpdated = "project.updated";
    public const string ProjectDeleted = "project.deleted";
    public const string VariableSet = "project.variable-set";
    public const string SecretSet = "project.secret-set";
    public const string VariableDeleted = "project.variable-deleted";
    public const string ClusterAccessChanged = "project.cluster-access-changed";

    public const string WorkspaceCreated = "workspace.created";
    public const string WorkspaceStarted = "workspace.started";
    public const string WorkspaceStopped = "workspace.stopped";
    public const string WorkspaceDeleted = "workspace.deleted";
    public const string WorkspaceShared = "workspace.shared";
    public const string WorkspaceUnshared = "workspace.unshared";
    public const string PortVisibilityChanged = "workspace.port-visibility-changed";
    public const string ShareLinkCreated = "workspace.share-link-created";
    public const string ShareLinkUsed = "workspace.share-link-used";
    public const string ShareLinkRevoked = "workspace.share-link-revoked";
}

public static class AuditTargets
{
    public const string User = "user";
    public const string Team = "team";
    public const string Project = "project";
    public const string Workspace = "workspace";
}
