namespace Workspaces.Web.Authorization;

/// <summary>The kinds of things permissions are about.</summary>
public enum ResourceKind
{
    Workspace,
    Team,
    Project,
}

/// <summary>How a signed-in user stands to one resource. A user may stand in several ways (an administrator who owns it).</summary>
public enum Relation
{
    /// <summary>Signed in, and nothing else.</summary>
    Stranger,

    /// <summary>A member of the resource's team (for a workspace: of the team of the project it was opened from).</summary>
    TeamMember,

    /// <summary>An owner of the resource's team.</summary>
    TeamOwner,

    /// <summary>A team member the workspace's owner shared it with, read-only.</summary>
    SharedReadOnly,

    /// <summary>A team member the workspace's owner shared it with, with full access.</summary>
    SharedFull,

    /// <summary>The workspace's owner (for a project workspace: only while still a member of the project's team).</summary>
    Owner,

    /// <summary>A server administrator.</summary>
    Administrator,
}

/// <summary>What may be done. The names are the rows of the table in docs/security.md.</summary>
public enum Permission
{
    WorkspaceView,
    WorkspaceWatchTerminals,
    WorkspaceUseTerminals,
    WorkspaceStart,
    WorkspaceStop,
    WorkspaceDelete,
    WorkspaceShare,
    WorkspaceOpenTeamPreview,

    TeamView,
    TeamManageMembers,
    TeamInvite,
    TeamCreateProject,
    TeamDelete,

    ProjectView,
    ProjectOpenWorkspace,
    ProjectEdit,
    ProjectManageVariables,
    ProjectDelete,
}

/// <summary>
/// Who may do what to which resource: the one table every entry point (API, pages, the agent forwarder, previews)
/// consults through <see cref="AccessService"/>. docs/security.md prints it, and the tests are generated from it.
/// </summary>
public static class AccessPolicy
{
    public static readonly IReadOnlyDictionary<(ResourceKind Kind, Relation Relation), IReadOnlySet<Permission>> Table =
        new Dictionary<(ResourceKind, Relation), IReadOnlySet<Permission>>
        {
            [(ResourceKind.Workspace, Relation.Owner)] = Set(
                Permission.WorkspaceView, Permission.WorkspaceWatchTerminals, Permission.WorkspaceUseTerminals, Permission.WorkspaceStart,
                Permission.WorkspaceStop, Permission.WorkspaceDelete, Permission.WorkspaceShare, Permission.WorkspaceOpenTeamPreview),
            [(ResourceKind.Workspace, Relation.SharedFull)] = Set(
                Permission.WorkspaceView, Permission.WorkspaceWatchTerminals, Permission.WorkspaceUseTerminals, Permission.WorkspaceOpenTeamPreview),
            [(ResourceKind.Workspace, Relation.SharedReadOnly)] = Set(
                Permission.WorkspaceView, Permission.WorkspaceWatchTerminals, Permission.WorkspaceOpenTeamPreview),
            [(ResourceKind.Workspace, Relation.TeamMember)] = Set(Permission.WorkspaceOpenTeamPreview),
            [(ResourceKind.Workspace, Relation.TeamOwner)] = Set(Permission.WorkspaceOpenTeamPreview),
            // Administrators keep the server healthy; they do not read other people's terminals.
            [(ResourceKind.Workspace, Relation.Administrator)] = Set(Permission.WorkspaceView, Permission.WorkspaceStop, Permission.WorkspaceDelete),
            [(ResourceKind.Workspace, Relation.Stranger)] = Set(),

            [(ResourceKind.Team, Relation.TeamOwner)] = Set(
                Permission.TeamView, Permission.TeamManageMembers, Permission.TeamInvite, Permission.TeamCreateProject, Permission.TeamDelete),
            [(ResourceKind.Team, Relation.TeamMember)] = Set(Permission.TeamView),
            [(ResourceKind.Team, Relation.Administrator)] = Set(Permission.TeamView),
            [(ResourceKind.Team, Relation.Stranger)] = Set(),

            [(ResourceKind.Project, Relation.TeamOwner)] = Set(
                Permission.ProjectView, Permission.ProjectOpenWorkspace, Permission.ProjectEdit, Permission.ProjectManageVariables, Permission.ProjectDelete),
            [(ResourceKind.Project, Relation.TeamMember)] = Set(Permission.ProjectView, Permission.ProjectOpenWorkspace),
            [(ResourceKind.Project, Relation.Administrator)] = Set(Permission.ProjectView),
            [(ResourceKind.Project, Relation.Stranger)] = Set(),
        };

    /// <summary>The relations that make sense for a kind of resource (the table's columns).</summary>
    public static IEnumerable<Relation> RelationsOf(ResourceKind kind) =>
        Table.Keys.Where(k => k.Kind == kind).Select(k => k.Relation);

    /// <summary>The permissions about a kind of resource (the table's rows).</summary>
    public static IEnumerable<Permission> PermissionsOf(ResourceKind kind) =>
        Enum.GetValues<Permission>().Where(p => p.ToString().StartsWith(kind.ToString(), StringComparison.Ordinal));

    public static bool Allows(ResourceKind kind, IEnumerable<Relation> relations, Permission permission) =>
        relations.Any(r => Table.TryGetValue((kind, r), out var granted) && granted.Contains(permission));

    private static HashSet<Permission> Set(params Permission[] permissions) => [.. permissions];
}
