using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Variables;
using Workspaces.Shared.Repositories;
using Workspaces.Shared.Variables;
using Workspaces.Web.Authorization;

namespace Workspaces.Web.Variables;

/// <summary>A user's own environment variables (write-only, encrypted) and dotfiles repository.</summary>
public sealed class PersonalSettingsService(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    VariableProtection protection,
    Repositories.RepositoryGuard repositories,
    TimeProvider timeProvider)
{
    public async Task<PersonalSettings> GetAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var dotfiles = await db.Users.Where(u => u.Id == userId).Select(u => u.DotfilesRepository).FirstOrDefaultAsync(cancellationToken);
        var variables = await db.UserVariables.AsNoTracking().Where(v => v.UserId == userId).OrderBy(v => v.Name).ThenBy(v => v.RepositoryPattern).ToListAsync(cancellationToken);
        return new PersonalSettings(dotfiles, variables.Select(v => new PersonalVariableView(v.Id, v.Name, v.RepositoryPattern, v.UpdatedAt)).ToList());
    }

    /// <summary>Sets (or replaces) a variable for the repositories matching the pattern; null or empty pattern means all.</summary>
    public async Task<Outcome<bool>> SetVariableAsync(string userId, string? name, string? value, string? pattern, CancellationToken cancellationToken)
    {
        if (VariableNames.Problem(name) is { } nameProblem)
        {
            return Outcome<bool>.Invalid("name", nameProblem);
        }

        if (value is null || value.Length > VariableNames.MaxValueLength || value.Contains('\0', StringComparison.Ordinal))
        {
            return Outcome<bool>.Invalid("value", value is null ? "Required." : $"At most {VariableNames.MaxValueLength} characters, without NUL.");
        }

        if (VariableRules.NameRefusal(name) is { } familyProblem)
        {
            return Outcome<bool>.Invalid("name", familyProblem);
        }

        if (VariableRules.ValueRefusal(name!, value, allowLineBreaks: true) is { } valueProblem)
        {
            return Outcome<bool>.Invalid("value", valueProblem);
        }

        if (RepositoryPatterns.Problem(pattern) is { } patternProblem)
        {
            return Outcome<bool>.Invalid("repositoryPattern", patternProblem);
        }

        var scope = string.IsNullOrWhiteSpace(pattern) ? RepositoryPatterns.All : pattern.Trim();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var variable = await db.UserVariables.FirstOrDefaultAsync(v => v.UserId == userId && v.Name == name && v.RepositoryPattern == scope, cancellationToken);
        if (variable is null)
        {
            variable = new UserVariable { UserId = userId, Name = name!, RepositoryPattern = scope, ProtectedValue = "" };
            db.UserVariables.Add(variable);
        }

        variable.ProtectedValue = protection.ProtectPersonal(value);
        variable.UpdatedAt = timeProvider.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return Outcome<bool>.Ok(true);
    }

    public async Task<Outcome<bool>> DeleteVariableAsync(string userId, long id, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.UserVariables.Where(v => v.UserId == userId && v.Id == id).ExecuteDeleteAsync(cancellationToken) > 0
            ? Outcome<bool>.Ok(true)
            : Outcome<bool>.NotFound();
    }

    /// <summary>Sets the dotfiles repository (null or empty: none). It is installed into workspaces created from now on.</summary>
    public async Task<Outcome<bool>> SetDotfilesAsync(string userId, string? repository, CancellationToken cancellationToken)
    {
        string? url = null;
        if (!string.IsNullOrWhiteSpace(repository))
        {
            if (!RepositoryReference.TryParse(repository, null, out var reference, out var error))
            {
                return Outcome<bool>.Invalid("repositoryUrl", error ?? "This is not a Git repository URL.");
            }

            if (await repositories.ProblemAsync(reference, cancellationToken) is { } refused)
            {
                return Outcome<bool>.Invalid("repositoryUrl", refused);
            }

            url = reference.Kind == RepositoryReferenceKind.LocalPath ? new Uri(reference.CloneUrl).AbsoluteUri : reference.CloneUrl;
        }

        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.Users.Where(u => u.Id == userId).ExecuteUpdateAsync(s => s.SetProperty(u => u.DotfilesRepository, url), cancellationToken);
        return Outcome<bool>.Ok(true);
    }
}

public sealed record PersonalSettings(string? DotfilesRepository, IReadOnlyList<PersonalVariableView> Variables);

/// <summary>A personal variable as listed: its value is never shown again.</summary>
public sealed record PersonalVariableView(long Id, string Name, string RepositoryPattern, DateTimeOffset UpdatedAt);
