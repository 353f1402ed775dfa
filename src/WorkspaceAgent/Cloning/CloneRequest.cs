using Workspaces.Shared.Agent;
using Workspaces.Shared.Repositories;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>What to clone. <see cref="Ref"/> is a branch name (null or empty: the remote's default branch).</summary>
/// <param name="Network">Where the clone may connect; null means public addresses only.</param>
public sealed record CloneRequest(string RepositoryUrl, string? Ref, GitCredential? Credential, long DiskLimitBytes, RepositoryNetwork? Network = null)
{
    public static CloneRequest From(AgentBootstrap bootstrap)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        return new(bootstrap.RepositoryUrl, bootstrap.Ref, bootstrap.GitCredential, bootstrap.DiskLimitBytes, bootstrap.RepositoryNetwork);
    }

    /// <summary>The branch to check out, without a <c>refs/heads/</c> prefix; null for the default branch.</summary>
    public string? BranchName
    {
        get
        {
            var name = Ref?.Trim();
            if (string.IsNullOrEmpty(name))
            {
                return null;
            }

            return name.StartsWith("refs/heads/", StringComparison.Ordinal) ? name["refs/heads/".Length..] : name;
        }
    }

    public override string ToString() => $"CloneRequest {{ RepositoryUrl = {Cloning.RepositoryUrl.Redact(RepositoryUrl)}, Ref = {Ref} }}";
}
