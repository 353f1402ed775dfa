using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Workspaces;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Repositories;
using Workspaces.Shared.Variables;

namespace Workspaces.Web.Variables;

/// <summary>
/// What a workspace gets at start, besides its repository: the project's variables and secrets, the owner's personal
/// variables whose pattern matches the repository, the variables from the link it was opened with (later wins), secret
/// files, and the owner's dotfiles repository. Values are decrypted here, handed to the runtime, and never logged.
/// </summary>
public sealed class WorkspaceEnvironment(IDbContextFactory<WorkspacesDbContext> dbFactory, VariableProtection protection)
{
    public async Task<LaunchEnvironment> BuildAsync(WorkspaceRecord workspace, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<WorkspaceFile>();

        // A project's variables apply only while the owner is still in its team (the access rules stop such a workspace anyway).
        if (workspace.ProjectId is { } projectId
            && await db.Projects.AnyAsync(p => p.Id == projectId && db.TeamMembers.Any(m => m.TeamId == p.TeamId && m.UserId == workspace.OwnerId), cancellationToken))
        {
            await AddProjectVariablesAsync(db, protection, projectId, environment, files, cancellationToken);
        }

        var path = RepositoryReference.TryParse(workspace.RepositoryUrl, null, out var reference, out _) ? reference.DisplayName : workspace.RepositoryUrl;
        var personal = await db.UserVariables.AsNoTracking().Where(v => v.UserId == workspace.OwnerId).ToListAsync(cancellationToken);
        // The most specific pattern wins: all-repository variables first, then scoped ones.
        foreach (var variable in personal.OrderBy(v => v.RepositoryPattern == RepositoryPatterns.All ? 0 : 1).ThenBy(v => v.RepositoryPattern.Length))
        {
            if (RepositoryPatterns.Matches(variable.RepositoryPattern, path))
            {
                environment[variable.Name] = protection.RevealPersonal(variable.ProtectedValue);
            }
        }

        // A link's variables were checked when the workspace was created; those stored under an older, shorter rule are
        // checked again, so a workspace opened from a hostile link before the rule grew does not keep its hook.
        foreach (var (name, value) in protection.RevealEnvironment(workspace.ProtectedLinkEnvironment))
        {
            if (VariableRules.Refusal(name, value) is null)
            {
                environment[name] = value;
            }
        }

        var dotfiles = await db.Users.Where(u => u.Id == workspace.OwnerId).Select(u => u.DotfilesRepository).FirstOrDefaultAsync(cancellationToken);
        return new LaunchEnvironment(environment, files, dotfiles);
    }

    /// <summary>A project's variables, decrypted: files for those marked as files, the environment for the rest.</summary>
    internal static async Task AddProjectVariablesAsync(
        WorkspacesDbContext db, VariableProtection protection, string projectId, Dictionary<string, string> environment, List<WorkspaceFile> files, CancellationToken cancellationToken)
    {
        foreach (var variable in await db.ProjectVariables.AsNoTracking().Where(v => v.ProjectId == projectId).ToListAsync(cancellationToken))
        {
            var value = variable.IsSecret ? protection.RevealSecret(variable.ProtectedValue!) : variable.Value ?? "";
            if (variable.AsFile)
            {
                files.Add(new WorkspaceFile(variable.Name, value));
            }
            else
            {
                environment[variable.Name] = value;
            }
        }
    }
}

public sealed record LaunchEnvironment(IReadOnlyDictionary<string, string> Variables, IReadOnlyList<WorkspaceFile> Files, string? DotfilesRepository)
{
    public override string ToString() => $"LaunchEnvironment {{ {Variables.Count} variables, {Files.Count} files }}";
}
