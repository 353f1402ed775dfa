using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Projects;
using Workspaces.Shared.Repositories;
using Workspaces.Shared.Variables;
using Workspaces.Web.Audit;
using Workspaces.Web.Authorization;
using Workspaces.Web.Teams;
using Workspaces.Web.Variables;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Projects;

/// <summary>
/// A team's projects and their variables. Secret values go in and are encrypted; nothing here ever returns one, and
/// the audit log names the key only.
/// </summary>
public sealed partial class ProjectService(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    AccessService access,
    AuditLog audit,
    VariableProtection protection,
    WorkspaceService workspaces,
    TimeProvider timeProvider,
    ILogger<ProjectService> logger)
{
    public static readonly TimeSpan MinIdleTimeout = TimeSpan.FromMinutes(1);
    public static readonly TimeSpan MaxIdleTimeout = TimeSpan.FromDays(7);

    public async Task<Outcome<ProjectView>> CreateAsync(string userId, string teamId, ProjectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var team = await access.ForTeamAsync(userId, teamId, cancellationToken);
        if (team is null || !team.Can(Permission.TeamView))
        {
            return Outcome<ProjectView>.NotFound();
        }

        if (!team.Can(Permission.TeamCreateProject))
        {
            return Outcome<ProjectView>.Forbidden("Only the team's owners may create projects.");
        }

        var now = timeProvider.GetUtcNow();
        var project = new Project { Id = TeamService.NewId(), TeamId = teamId, Name = "", RepositoryUrl = "", CreatedAt = now, UpdatedAt = now };
        if (Apply(project, request) is { } invalid)
        {
            return Outcome<ProjectView>.Invalid(invalid.Field, invalid.Error);
        }

        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            db.Projects.Add(project);
            await db.SaveChangesAsync(cancellationToken);
        }

        await audit.RecordAsync(userId, AuditActions.ProjectCreated, AuditTargets.Project, project.Id, $"{project.Name} ({project.RepositoryUrl}) in team {teamId}", cancellationToken);
        return Outcome<ProjectView>.Ok(await ViewAsync(project, team.Team.Name, true, cancellationToken));
    }

    public async Task<Outcome<ProjectView>> GetAsync(string userId, string projectId, CancellationToken cancellationToken)
    {
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (Denied<ProjectView>(found, Permission.ProjectView) is { } denied)
        {
            return denied;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var teamName = await db.Teams.Where(t => t.Id == found!.Project.TeamId).Select(t => t.Name).FirstAsync(cancellationToken);
        return Outcome<ProjectView>.Ok(await ViewAsync(found!.Project, teamName, found.Can(Permission.ProjectEdit), cancellationToken));
    }

    public async Task<Outcome<ProjectView>> UpdateAsync(string userId, string projectId, ProjectRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (Denied<ProjectView>(found, Permission.ProjectEdit) is { } denied)
        {
            return denied;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var project = await db.Projects.FirstAsync(p => p.Id == projectId, cancellationToken);
        if (Apply(project, request) is { } invalid)
        {
            return Outcome<ProjectView>.Invalid(invalid.Field, invalid.Error);
        }

        project.UpdatedAt = timeProvider.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(userId, AuditActions.ProjectUpdated, AuditTargets.Project, projectId, $"{project.Name} ({project.RepositoryUrl})", cancellationToken);
        var teamName = await db.Teams.Where(t => t.Id == project.TeamId).Select(t => t.Name).FirstAsync(cancellationToken);
        return Outcome<ProjectView>.Ok(await ViewAsync(project, teamName, true, cancellationToken));
    }

    public async Task<Outcome<bool>> DeleteAsync(string userId, string projectId, CancellationToken cancellationToken)
    {
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (Denied<bool>(found, Permission.ProjectDelete) is { } denied)
        {
            return denied;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        // Its workspaces hold its secrets: they stop (and stay their owners', without the project).
        var running = await db.Workspaces.Where(w => w.ProjectId == projectId && w.DesiredState == Data.Workspaces.DesiredState.Running).Select(w => w.Id).ToListAsync(cancellationToken);
        await workspaces.StopAsSystemAsync(running, "Stopped: its project was deleted", cancellationToken);
        await db.Projects.Where(p => p.Id == projectId).ExecuteDeleteAsync(cancellationToken);
        await audit.RecordAsync(userId, AuditActions.ProjectDeleted, AuditTargets.Project, projectId, found!.Project.Name, cancellationToken);
        return Outcome<bool>.Ok(true);
    }

    /// <summary>Sets a variable or secret. The value of a secret is encrypted and never shown again.</summary>
    public async Task<Outcome<ProjectVariableView>> SetVariableAsync(string userId, string projectId, string name, VariableRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (Denied<ProjectVariableView>(found, Permission.ProjectManageVariables) is { } denied)
        {
            return denied;
        }

        if (VariableNames.Problem(name) is { } nameProblem)
        {
            return Outcome<ProjectVariableView>.Invalid("name", nameProblem);
        }

        if (request.Value is null)
        {
            return Outcome<ProjectVariableView>.Invalid("value", "Required.");
        }

        if (request.Value.Length > VariableNames.MaxValueLength)
        {
            return Outcome<ProjectVariableView>.Invalid("value", $"At most {VariableNames.MaxValueLength} characters.");
        }

        var secret = request.Secret ?? false;
        var asFile = request.AsFile ?? false;
        if (!asFile && request.Value.Contains('\0', StringComparison.Ordinal))
        {
            return Outcome<ProjectVariableView>.Invalid("value", "A variable cannot contain a NUL character; inject it as a file instead.");
        }

        // Teammates' workspaces get these variables: the rule links and the API follow applies (a file's name and content are free).
        if (!asFile && VariableRules.NameRefusal(name) is { } familyProblem)
        {
            return Outcome<ProjectVariableView>.Invalid("name", familyProblem);
        }

        if (!asFile && VariableRules.ValueRefusal(name, request.Value, allowLineBreaks: true) is { } valueProblem)
        {
            return Outcome<ProjectVariableView>.Invalid("value", valueProblem);
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var variable = await db.ProjectVariables.FirstOrDefaultAsync(v => v.ProjectId == projectId && v.Name == name, cancellationToken);
        if (variable is null)
        {
            variable = new ProjectVariable { ProjectId = projectId, Name = name };
            db.ProjectVariables.Add(variable);
        }

        variable.IsSecret = secret;
        variable.AsFile = asFile;
        variable.Value = secret ? null : request.Value;
        variable.ProtectedValue = secret ? protection.ProtectSecret(request.Value) : null;
        variable.UpdatedAt = timeProvider.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        await audit.RecordAsync(
            userId, secret ? AuditActions.SecretSet : AuditActions.VariableSet, AuditTargets.Project, projectId,
            secret ? $"{name} (secret{(asFile ? ", as a file" : "")})" : $"{name}{(asFile ? " (as a file)" : "")}",
            cancellationToken);
        LogVariableSet(projectId, name, secret);
        return Outcome<ProjectVariableView>.Ok(ProjectVariableView.From(variable));
    }

    public async Task<Outcome<bool>> DeleteVariableAsync(string userId, string projectId, string name, CancellationToken cancellationToken)
    {
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (Denied<bool>(found, Permission.ProjectManageVariables) is { } denied)
        {
            return denied;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.ProjectVariables.Where(v => v.ProjectId == projectId && v.Name == name).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            return Outcome<bool>.NotFound();
        }

        await audit.RecordAsync(userId, AuditActions.VariableDeleted, AuditTargets.Project, projectId, name, cancellationToken);
        return Outcome<bool>.Ok(true);
    }

    /// <summary>Creates the caller's workspace for a project: its repository and branch, its variables and secrets.</summary>
    public async Task<Outcome<WorkspaceView>> OpenWorkspaceAsync(string userId, string projectId, IReadOnlyDictionary<string, string>? linkEnvironment, CancellationToken cancellationToken)
    {
        var found = await access.ForProjectAsync(userId, projectId, cancellationToken);
        if (Denied<WorkspaceView>(found, Permission.ProjectOpenWorkspace) is { } denied)
        {
            return denied;
        }

        var project = found!.Project;
        return await workspaces.CreateAsync(
            userId, project.RepositoryUrl, project.DefaultBranch, new WorkspaceCreationOptions(project.Id, linkEnvironment, project.IdleTimeout, project.Name), cancellationToken);
    }

    private async Task<ProjectView> ViewAsync(Project project, string teamName, bool canEdit, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var variables = await db.ProjectVariables.AsNoTracking().Where(v => v.ProjectId == project.Id).OrderBy(v => v.Name).ToListAsync(cancellationToken);
        return ProjectView.From(project, teamName, canEdit, variables.Select(ProjectVariableView.From).ToList());
    }

    private static (string Field, string Error)? Apply(Project project, ProjectRequest request)
    {
        if (TeamService.NameProblem(request.Name) is { } nameProblem)
        {
            return ("name", nameProblem);
        }

        if (string.IsNullOrWhiteSpace(request.RepositoryUrl))
        {
            return ("repositoryUrl", "Required.");
        }

        var branch = string.IsNullOrWhiteSpace(request.DefaultBranch) ? null : request.DefaultBranch.Trim();
        if (!RepositoryReference.TryParse(request.RepositoryUrl, branch, out var reference, out var error))
        {
            return (error.Contains("ref", StringComparison.OrdinalIgnoreCase) && branch is not null ? "defaultBranch" : "repositoryUrl", error);
        }

        TimeSpan? idle = request.IdleTimeoutMinutes is { } minutes ? TimeSpan.FromMinutes(minutes) : null;
        if (idle is { } i && (i < MinIdleTimeout || i > MaxIdleTimeout))
        {
            return ("idleTimeoutMinutes", $"Between {MinIdleTimeout.TotalMinutes:0} and {MaxIdleTimeout.TotalMinutes:0} minutes, or left out for the server's default.");
        }

        foreach (var (field, value) in new[] { ("image", request.Image), ("workspaceClass", request.WorkspaceClass) })
        {
            if (value is not null && (value.Length > FieldLengths.Name || value.Any(c => char.IsControl(c) || char.IsWhiteSpace(c))))
            {
                return (field, $"At most {FieldLengths.Name} characters, without spaces.");
            }
        }

        project.Name = request.Name!.Trim();
        project.RepositoryUrl = reference.CloneUrl;
        project.DefaultBranch = reference.Ref;
        project.Image = string.IsNullOrWhiteSpace(request.Image) ? null : request.Image.Trim();
        project.WorkspaceClass = string.IsNullOrWhiteSpace(request.WorkspaceClass) ? null : request.WorkspaceClass.Trim();
        project.IdleTimeout = idle;
        return null;
    }

    private static Outcome<T>? Denied<T>(ProjectAccess? found, Permission permission) =>
        found is null || !found.Can(Permission.ProjectView) ? Outcome<T>.NotFound()
        : !found.Can(permission) ? Outcome<T>.Forbidden("Only the team's owners may change its projects.")
        : null;

    [LoggerMessage(Level = LogLevel.Information, Message = "Project {ProjectId}: variable {Name} set (secret: {Secret})")]
    private partial void LogVariableSet(string projectId, string name, bool secret);
}
