using System.Globalization;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Repositories;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>
/// Turns a failed clone into an <see cref="AgentError"/> a user can act on. libgit2 has few error classes for network
/// problems, so beyond what the agent observed itself (<see cref="CloneFailure"/>) this matches its message texts.
/// </summary>
public static class CloneErrorClassifier
{
    private static readonly string[] UnreachableMarkers =
    [
        "failed to resolve address",
        "failed to connect",
        "connection refused",
        "timed out",
        "connection reset",
        "error receiving data from socket",
        "error sending data",
        "network is unreachable",
        "no route to host",
        "could not resolve host",
    ];

    private static readonly string[] NotFoundMarkers =
    [
        "unexpected http status code: 404",
        "failed to resolve path",
        "could not find repository",
        "repository not found",
        "not a git repository",
        "does not appear to be a git repository",
    ];

    public static AgentError Classify(CloneFailure failure, RepositoryUrl url, CloneRequest request)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(request);
        var message = failure.LibraryMessage;
        var hasCredential = request.Credential is not null;

        if (failure.DiskLimitExceeded)
        {
            return new AgentError(
                AgentErrorCode.DiskLimitReached,
                $"The repository {url} is larger than this workspace's disk limit of {FormatBytes(request.DiskLimitBytes)}; the clone was stopped.",
                "Ask an administrator for a larger workspace disk, or use a smaller repository.");
        }

        if (Contains(message, "no space left on device") || Contains(message, "disk quota exceeded"))
        {
            return new AgentError(
                AgentErrorCode.DiskLimitReached,
                $"The workspace disk filled up while cloning {url} (No space left on device).",
                "Ask an administrator for a larger workspace disk, or use a smaller repository.");
        }

        if (failure.CredentialRejected || (hasCredential && (failure.CredentialRequested
            || Contains(message, "too many redirects or authentication replays")
            || Contains(message, "status code: 401")
            || Contains(message, "status code: 403"))))
        {
            return AuthenticationFailed(url);
        }

        if (failure.CredentialRequested || Contains(message, "authentication required") || Contains(message, "status code: 401")
            || Contains(message, "status code: 403"))
        {
            return new AgentError(
                AgentErrorCode.AuthenticationRequired,
                $"The repository {url} asks for credentials, and none are stored for {url.Host}.",
                $"If the repository is private, store a token for {url.Host} in Settings → Git credentials, then retry; otherwise check the URL.");
        }

        if (failure.ReferenceNotFound && request.BranchName is { } branch)
        {
            var defaultBranch = failure.DefaultBranch is { } name ? $"; the default branch is '{name}'" : string.Empty;
            return new AgentError(
                AgentErrorCode.BranchNotFound,
                $"Branch '{branch}' does not exist in {url}{defaultBranch}.",
                "Pick an existing branch, or leave the branch empty to use the default branch.");
        }

        if (NotFoundMarkers.Any(marker => Contains(message, marker)))
        {
            return new AgentError(
                AgentErrorCode.RepositoryNotFound,
                $"The repository {url} was not found.",
                url.IsFile
                    ? "Check the path."
                    : $"Check the URL; if it is private, store a token for {url.Host} in Settings → Git credentials.");
        }

        if (Contains(message, RepositoryNetwork.UnreachableMarker) || UnreachableMarkers.Any(marker => Contains(message, marker)))
        {
            return HostUnreachable(url);
        }

        if (Contains(message, "unsupported url protocol") || Contains(message, "invalid argument: 'url"))
        {
            return InvalidUrl(url.Display);
        }

        return new AgentError(
            AgentErrorCode.Unknown,
            $"Cloning {url} failed: {message}",
            "Retry the workspace; if it keeps failing, the agent log has the details.");
    }

    /// <summary>
    /// The same words whatever happened on the way (an internal address refused, a name that does not resolve, a refused
    /// or dropped connection): different ones would let a user map which internal hosts and ports answer.
    /// </summary>
    public static AgentError HostUnreachable(RepositoryUrl url)
    {
        ArgumentNullException.ThrowIfNull(url);
        return new AgentError(
            AgentErrorCode.HostUnreachable,
            $"Could not reach {url.Host} to clone {url}: it did not answer, or it is not at a public address.",
            "Check the host name in the URL and that the host is up, then retry. Workspaces clone only from public addresses; "
            + "an administrator can allow an internal Git server (Workspaces:Repositories:AllowedHosts or AllowedNetworks).");
    }

    public static AgentError InvalidUrl(string url) => new(
        AgentErrorCode.InvalidRepositoryUrl,
        $"'{RepositoryUrl.Redact(url)}' is not a repository URL this workspace can clone.",
        "Use an https:// URL such as https://github.com/org/repo (SSH URLs like git@host:org/repo are not supported).");

    private static AgentError AuthenticationFailed(RepositoryUrl url) => new(
        AgentErrorCode.AuthenticationFailed,
        $"The token stored for {url.Host} was rejected by {url}.",
        $"The token may have expired, been revoked or lack read access to this repository; update it in Settings → Git credentials, then retry.");

    private static bool Contains(string text, string marker) => text.Contains(marker, StringComparison.OrdinalIgnoreCase);

    public static string FormatBytes(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB"];
        double value = bytes;
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }

        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} bytes")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.#} {units[unit]}");
    }
}
