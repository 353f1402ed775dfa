using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Bootstrap;

/// <summary>Checks a bootstrap before anything acts on it; each problem names the JSON property.</summary>
public static class BootstrapValidator
{
    public static IReadOnlyList<string> Validate(AgentBootstrap bootstrap)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var problems = new List<string>();
        Require(bootstrap.WorkspaceId, "workspaceId", problems);
        Require(bootstrap.RepositoryUrl, "repositoryUrl", problems);
        Require(bootstrap.WorkspaceDirectory, "workspaceDirectory", problems);
        Require(bootstrap.CheckoutDirectoryName, "checkoutDirectoryName", problems);
        Require(bootstrap.AgentSecret, "agentSecret", problems);
        Require(bootstrap.ListenUrl, "listenUrl", problems);

        if (!string.IsNullOrWhiteSpace(bootstrap.WorkspaceDirectory) && !Path.IsPathFullyQualified(bootstrap.WorkspaceDirectory))
        {
            problems.Add("workspaceDirectory must be an absolute path.");
        }

        if (!string.IsNullOrWhiteSpace(bootstrap.CheckoutDirectoryName)
            && (bootstrap.CheckoutDirectoryName is "." or ".." or ".workspace"
                || bootstrap.CheckoutDirectoryName.IndexOfAny(['/', '\\', '\0']) >= 0))
        {
            problems.Add("checkoutDirectoryName must be a single directory name (not '.', '..' or '.workspace').");
        }

        if (!string.IsNullOrWhiteSpace(bootstrap.ListenUrl)
            && (!Uri.TryCreate(bootstrap.ListenUrl, UriKind.Absolute, out var listen) || listen.Scheme is not ("http" or "https")))
        {
            problems.Add("listenUrl must be an absolute http(s) URL such as http://127.0.0.1:0.");
        }

        if (bootstrap.DiskLimitBytes < 0)
        {
            problems.Add("diskLimitBytes must be 0 (no limit) or more.");
        }

        if (bootstrap.GitCredential is { } credential && (string.IsNullOrEmpty(credential.Username) || string.IsNullOrEmpty(credential.Password)))
        {
            problems.Add("gitCredential needs a username and a password.");
        }

        return problems;
    }

    private static void Require(string? value, string name, List<string> problems)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            problems.Add($"{name} is required.");
        }
    }
}
