using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Workspaces.Shared.Repositories;
using Workspaces.Web.Repositories;

namespace Workspaces.Web.Prebuilds;

/// <summary>A repository's branches and the commit each points at, and the branch its HEAD names (null when it names none).</summary>
public sealed record RemoteBranches(IReadOnlyDictionary<string, string> Heads, string? DefaultBranch);

/// <summary>The heads of a project's branches as a prebuild's clone would see them, without cloning.</summary>
public interface IBranchHeads
{
    /// <exception cref="PrebuildFailedException">The repository could not be read; the message says why.</exception>
    Task<RemoteBranches> ListAsync(string repositoryUrl, CancellationToken cancellationToken);
}

/// <summary>
/// <c>git ls-remote</c> with what a prebuild's clone has: no person's credentials (a project's URL holds none: the parser
/// refuses them) and the clone's network rule. The host is resolved and
/// every address checked against <see cref="RepositoryNetwork"/> here, then git is pinned to those addresses
/// (<c>http.curloptResolve</c>) and follows no redirect and no proxy, so a name that resolves elsewhere at connect time
/// (DNS rebinding) reaches nothing new.
/// </summary>
public sealed class GitBranchHeads(RepositoryGuard repositories) : IBranchHeads
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    public async Task<RemoteBranches> ListAsync(string repositoryUrl, CancellationToken cancellationToken)
    {
        if (!RepositoryReference.TryParse(repositoryUrl, null, out var reference, out var parseError))
        {
            throw new PrebuildFailedException(parseError);
        }

        if (repositories.LocalPathProblem(reference) is { } localProblem)
        {
            throw new PrebuildFailedException(localProblem);
        }

        var settings = new List<string> { "protocol.allow=never", "http.followRedirects=false", "http.proxy=", "credential.helper=" };
        string url;
        if (reference.Kind is RepositoryReferenceKind.Http or RepositoryReferenceKind.Https)
        {
            var uri = new Uri(reference.CloneUrl);
            settings.Add($"protocol.{uri.Scheme}.allow=always");
            settings.Add($"http.curloptResolve={await PinnedAddressesAsync(uri, cancellationToken)}");
            url = uri.AbsoluteUri;
        }
        else
        {
            settings.Add("protocol.file.allow=always");
            url = reference.Kind == RepositoryReferenceKind.LocalPath ? new Uri(reference.CloneUrl).AbsoluteUri : reference.CloneUrl;
        }

        var output = await RunGitAsync(settings, ["ls-remote", "--symref", url, "HEAD", "refs/heads/*"], reference.DisplayName, cancellationToken);
        return Parse(output);
    }

    /// <summary>Parses <c>git ls-remote --symref</c>: <c>ref: refs/heads/main\tHEAD</c> and <c>sha\trefs/heads/x</c> lines.</summary>
    public static RemoteBranches Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var heads = new Dictionary<string, string>(StringComparer.Ordinal);
        string? defaultBranch = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = line.Split('\t');
            if (parts.Length != 2)
            {
                continue;
            }

            if (parts[0].StartsWith("ref: refs/heads/", StringComparison.Ordinal) && parts[1] == "HEAD")
            {
                defaultBranch = parts[0]["ref: refs/heads/".Length..];
            }
            else if (parts[1].StartsWith("refs/heads/", StringComparison.Ordinal))
            {
                heads[parts[1]["refs/heads/".Length..]] = parts[0];
            }
        }

        return new RemoteBranches(heads, defaultBranch);
    }

    private async Task<string> PinnedAddressesAsync(Uri uri, CancellationToken cancellationToken)
    {
        var host = uri.IdnHost;
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
        }
        catch (SocketException)
        {
            throw new PrebuildFailedException(RepositoryNetwork.UnreachableMessage(host));
        }

        var network = repositories.Network;
        if (addresses.Length == 0 || !addresses.All(address => network.Allows(host, address)))
        {
            throw new PrebuildFailedException(RepositoryNetwork.UnreachableMessage(host));
        }

        var pinned = string.Join(',', addresses.Select(a => a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]" : a.ToString()));
        return string.Create(CultureInfo.InvariantCulture, $"{host.Trim('[', ']')}:{uri.Port}:{pinned}");
    }

    private static async Task<string> RunGitAsync(IEnumerable<string> settings, IEnumerable<string> arguments, string displayName, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var setting in settings)
        {
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add(setting);
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // Nothing of the service account's own git setup (credential helpers, proxies, rewrites) applies.
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["GIT_TERMINAL_PROMPT"] = "0";
        start.Environment["GIT_ASKPASS"] = "true";
        foreach (var proxy in new[] { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY" })
        {
            start.Environment.Remove(proxy);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(Limit);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PrebuildFailedException($"Could not run git to read the branches of {displayName} ({e.Message}); install git on the server.");
        }

        try
        {
            var stdout = process.StandardOutput.ReadToEndAsync(limit.Token);
            var stderr = process.StandardError.ReadToEndAsync(limit.Token);
            await process.WaitForExitAsync(limit.Token);
            var (output, error) = (await stdout, await stderr);
            return process.ExitCode == 0
                ? output
                : throw new PrebuildFailedException($"Could not read the branches of {displayName}: {error.Trim()}");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PrebuildFailedException($"Reading the branches of {displayName} took longer than {Limit.TotalSeconds:0} seconds.");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
