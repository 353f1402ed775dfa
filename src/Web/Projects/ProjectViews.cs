using Workspaces.Data.Projects;

namespace Workspaces.Web.Projects;

/// <param name="OpenPath">The "Open workspace" link (relative to the server).</param>
public sealed record ProjectView(
    string Id,
    string TeamId,
    string TeamName,
    string Name,
    string RepositoryUrl,
    string? DefaultBranch,
    string? Image,
    string? WorkspaceClass,
    int? IdleTimeoutMinutes,
    bool CanEdit,
    IReadOnlyList<ProjectVariableView> Variables,
    string OpenPath)
{
    public static ProjectView From(Project p, string teamName, bool canEdit, IReadOnlyList<ProjectVariableView> variables) => new(
        p.Id, p.TeamId, teamName, p.Name, p.RepositoryUrl, p.DefaultBranch, p.Image, p.WorkspaceClass,
        p.IdleTimeout is { } idle ? (int)idle.TotalMinutes : null, canEdit, variables, OpenPathOf(p.Id));

    public static string OpenPathOf(string projectId) => $"/projects/{projectId}/open";

    /// <summary>The README badge: an image link to the project's open link on <paramref name="origin"/>.</summary>
    public string BadgeMarkdown(Uri origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        var root = origin.GetLeftPart(UriPartial.Authority);
        return $"[![Open in Workspaces]({root}/badge.svg)]({root}{OpenPath})";
    }
}

/// <param name="Value">Null for a secret: secret values are write-only.</param>
public sealed record ProjectVariableView(string Name, string? Value, bool IsSecret, bool AsFile, DateTimeOffset UpdatedAt)
{
    public static ProjectVariableView From(ProjectVariable v) => new(v.Name, v.IsSecret ? null : v.Value, v.IsSecret, v.AsFile, v.UpdatedAt);
}

public sealed record ProjectRequest(string? Name, string? RepositoryUrl, string? DefaultBranch, string? Image, string? WorkspaceClass, int? IdleTimeoutMinutes);

public sealed record VariableRequest(string? Value, bool? Secret, bool? AsFile);
