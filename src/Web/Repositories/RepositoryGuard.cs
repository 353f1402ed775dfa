using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Shared.Repositories;
using Workspaces.Web.Hosting;
using Workspaces.WorkspaceController.Local;

namespace Workspaces.Web.Repositories;

/// <summary>
/// What the web app checks about a repository before a workspace (or a dotfiles setting) records it. The network rule is
/// enforced where connections are made, by the agent (<see cref="RepositoryNetwork"/>); here a literal internal address
/// is refused early, and local paths are checked against the service's own directories by identity.
/// </summary>
public sealed class RepositoryGuard(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    IOptions<CloneSourceOptions> options,
    IOptions<DataDirectoryOptions> data,
    IOptions<LocalRuntimeOptions> localRuntime)
{
    /// <summary>The internal Git servers clones may reach, for the agent.</summary>
    public RepositoryNetwork Network => options.Value.Repositories.ToNetwork();

    /// <summary>Why <paramref name="reference"/> may not be recorded for a new workspace or dotfiles, or null.</summary>
    public async Task<string?> ProblemAsync(RepositoryReference reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Kind is RepositoryReferenceKind.Http or RepositoryReferenceKind.Https)
        {
            return InternalAddressProblem(reference);
        }

        if (options.Value.AllowLocalRepositories is false)
        {
            return "This server does not clone local paths or file:// URLs (Workspaces:AllowLocalRepositories is false). Use an https:// URL.";
        }

        if (options.Value.AllowLocalRepositories is null)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            if (await db.Users.CountAsync(cancellationToken) > 1)
            {
                return "Local paths and file:// URLs are off because this server has more than one account (each could name the "
                    + "others' files). Use an https:// URL, or ask an administrator to set Workspaces:AllowLocalRepositories to true.";
            }
        }

        return LocalPathProblem(reference);
    }

    /// <summary>
    /// Why a local repository names the service's own files, or null: the data directory, the workspaces directory or any
    /// workspace, compared by device and inode (<see cref="FileIdentity"/>) so that links, <c>/proc/*/root</c> and
    /// <c>/proc/*/cwd</c> forms and bind mounts are caught.
    /// </summary>
    public string? LocalPathProblem(RepositoryReference reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        if (reference.Kind is not (RepositoryReferenceKind.File or RepositoryReferenceKind.LocalPath))
        {
            return null;
        }

        var path = reference.Kind == RepositoryReferenceKind.File ? new Uri(reference.CloneUrl).LocalPath : reference.CloneUrl;
        var forbidden = ForbiddenIdentities();
        if (forbidden.Count == 0)
        {
            return null;
        }

        // The kernel follows each prefix as given (magic /proc links included); the resolved path catches a link that jumps
        // deep into a forbidden directory, whose own identity is then an ancestor's.
        var resolved = LocalPaths.Resolve(path);
        var named = LocalPaths.Ancestors(path).Concat(resolved is null ? [] : LocalPaths.Ancestors(resolved));
        return named.Any(candidate => FileIdentity.Of(candidate) is { } identity && forbidden.Contains(identity))
            ? "Workspaces cannot be cloned from the service's own data directory or from another workspace."
            : null;
    }

    private HashSet<FileIdentity> ForbiddenIdentities()
    {
        var directories = new List<string> { data.Value.DataDirectory };
        var workspaces = localRuntime.Value.WorkspacesDirectory;
        if (!string.IsNullOrWhiteSpace(workspaces))
        {
            directories.Add(workspaces);
            try
            {
                directories.AddRange(Directory.EnumerateDirectories(workspaces));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // No workspaces yet (or unreadable): the directory itself is still compared.
            }
        }

        var identities = new HashSet<FileIdentity>();
        foreach (var directory in directories)
        {
            if (FileIdentity.Of(Path.GetFullPath(directory)) is { } identity)
            {
                identities.Add(identity);
            }
        }

        return identities;
    }

    private string? InternalAddressProblem(RepositoryReference reference)
    {
        var host = reference.Host!;
        var name = host.StartsWith('[') ? host[1..host.IndexOf(']', StringComparison.Ordinal)] : host.Split(':')[0];
        return IPAddress.TryParse(name, out var address) && !Network.Allows(name, address)
            ? $"Could not reach {host} to clone {reference.CloneUrl}: it did not answer, or it is not at a public address. "
                + "Workspaces clone only from public addresses; an administrator can allow an internal Git server "
                + "(Workspaces:Repositories:AllowedHosts or AllowedNetworks)."
            : null;
    }
}
