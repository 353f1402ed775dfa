using Microsoft.Extensions.Logging.Abstractions;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Bootstrap;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>
/// The agent started with <see cref="Switch"/> (a Kubernetes pod's init container): clone the workspace's repository
/// into its volume and exit, before the toolchain container starts. A failed clone exits 1 and writes its error (never
/// the credential) to <see cref="TerminationLogSwitch"/>'s file, the container's termination message: the controller
/// puts it in the Workspace's status and the user sees it on the start screen.
/// </summary>
public static class CloneOnlyCommand
{
    public const string Switch = "--clone-only";
    public const string TerminationLogSwitch = "--termination-log";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        AgentBootstrap bootstrap;
        try
        {
            bootstrap = await BootstrapLoader.LoadAsync(BootstrapArgs(args), Console.OpenStandardInput, cancellationToken);
        }
        catch (BootstrapException ex)
        {
            await Console.Error.WriteLineAsync($"workspace agent (clone): {ex.Message}");
            return 2;
        }

        var layout = new WorkspaceLayout(bootstrap.WorkspaceDirectory, bootstrap.CheckoutDirectoryName);
        if (bootstrap.Prebuild is { FromPrebuildId: not null, ArchiveUrl: not null } && !Directory.Exists(layout.CheckoutDirectory))
        {
            // The agent restores the prebuild's archive first, and clones only when it cannot.
            await Console.Out.WriteLineAsync("workspace agent (clone): left to the agent, which restores the prebuild's archive");
            return 0;
        }

        var cloner = new RepositoryCloner(new InProcessCloneRunner(), NullLogger<RepositoryCloner>.Instance);
        var result = await cloner.EnsureCheckoutAsync(CloneRequest.From(bootstrap), layout, _ => { }, cancellationToken);
        if (result.Outcome != CloneOutcome.Failed)
        {
            await Console.Out.WriteLineAsync($"workspace agent (clone): checkout ready: {result.Outcome}");
            return 0;
        }

        var error = result.Error!;
        var message = $"Cloning {WithoutUserInfo(bootstrap.RepositoryUrl)} failed ({error.Code}): {error.Message} {error.Advice}".Trim();
        await Console.Error.WriteLineAsync($"workspace agent (clone): {message}");
        if (TerminationLog(args) is { } path)
        {
            try
            {
                // Kubernetes keeps at most 4 KiB of a termination message.
                await File.WriteAllTextAsync(path, message.Length > 4000 ? message[..4000] : message, cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync($"workspace agent (clone): cannot write {path}: {e.Message}");
            }
        }

        return 1;
    }

    /// <summary>The URL as shown to the user: a user:token@ part is never echoed.</summary>
    private static string WithoutUserInfo(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Length > 0
            ? new UriBuilder(uri) { UserName = "", Password = "" }.Uri.ToString()
            : url;

    private static string? TerminationLog(IReadOnlyList<string> args)
    {
        var index = args.ToList().IndexOf(TerminationLogSwitch);
        return index >= 0 && index + 1 < args.Count ? args[index + 1] : null;
    }

    private static string[] BootstrapArgs(IReadOnlyList<string> args)
    {
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] == TerminationLogSwitch)
            {
                i++;
            }
            else if (args[i] != Switch)
            {
                rest.Add(args[i]);
            }
        }

        return [.. rest];
    }
}
