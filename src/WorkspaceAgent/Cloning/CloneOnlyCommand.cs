using Microsoft.Extensions.Logging.Abstractions;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Bootstrap;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>
/// The agent started with <see cref="Switch"/> (a Kubernetes pod's init container): clone the workspace's repository
/// into its volume and exit, before the toolchain container starts. A failed clone still exits 0: the agent itself then
/// tries again and reports the error to the user in the workspace's status, which an init container cannot.
/// </summary>
public static class CloneOnlyCommand
{
    public const string Switch = "--clone-only";

    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        AgentBootstrap bootstrap;
        try
        {
            bootstrap = await BootstrapLoader.LoadAsync([.. args.Where(a => a != Switch)], Console.OpenStandardInput, cancellationToken);
        }
        catch (BootstrapException ex)
        {
            await Console.Error.WriteLineAsync($"workspace agent (clone): {ex.Message}");
            return 2;
        }

        var layout = new WorkspaceLayout(bootstrap.WorkspaceDirectory, bootstrap.CheckoutDirectoryName);
        var cloner = new RepositoryCloner(new InProcessCloneRunner(), NullLogger<RepositoryCloner>.Instance);
        var result = await cloner.EnsureCheckoutAsync(CloneRequest.From(bootstrap), layout, _ => { }, cancellationToken);
        var line = result.Outcome switch
        {
            CloneOutcome.Failed => $"clone failed ({result.Error!.Code}): {result.Error.Message} The agent retries it and reports to the user.",
            _ => $"checkout ready: {result.Outcome}",
        };
        await Console.Out.WriteLineAsync($"workspace agent (clone): {line}");
        return 0;
    }
}
