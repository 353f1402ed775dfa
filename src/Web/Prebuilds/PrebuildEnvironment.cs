using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Shared.Agent;
using Workspaces.Web.Variables;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// A prebuild's environment: the project's variables and secrets only. Never a person's variables, dotfiles or Git
/// credentials: a prebuild runs for the project, and its snapshot is shared with everyone who opens it.
/// </summary>
public sealed class PrebuildEnvironment(IDbContextFactory<WorkspacesDbContext> dbFactory, VariableProtection protection)
{
    public async Task<(IReadOnlyDictionary<string, string> Variables, IReadOnlyList<WorkspaceFile> Files)> BuildAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        var files = new List<WorkspaceFile>();
        await WorkspaceEnvironment.AddProjectVariablesAsync(db, protection, projectId, environment, files, cancellationToken);

        return (environment, files);
    }

    /// <summary>The project's secrets, to be masked in its prebuilds' logs.</summary>
    public async Task<SecretMask> SecretMaskAsync(string projectId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var secrets = await db.ProjectVariables.AsNoTracking()
            .Where(v => v.ProjectId == projectId && v.IsSecret && v.ProtectedValue != null)
            .Select(v => v.ProtectedValue!)
            .ToListAsync(cancellationToken);
        return new SecretMask(secrets.Select(protection.RevealSecret));
    }
}
