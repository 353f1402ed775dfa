using System.Diagnostics;
using Workspaces.WorkspaceAgent.Bootstrap;
using Workspaces.WorkspaceAgent.Cloning;
using Workspaces.WorkspaceAgent.Hosting;

if (args is [CloneWorker.Switch])
{
    return await CloneWorker.RunAsync(Console.OpenStandardInput(), Console.OpenStandardOutput(), CancellationToken.None);
}

if (args.Contains(CloneOnlyCommand.Switch))
{
    return await CloneOnlyCommand.RunAsync(args, CancellationToken.None);
}

// The StartingAgent phase begins when the process did, not when this line runs.
var startedAt = new DateTimeOffset(Process.GetCurrentProcess().StartTime.ToUniversalTime());

Workspaces.Shared.Agent.AgentBootstrap bootstrap;
try
{
    bootstrap = await BootstrapLoader.LoadAsync(args, Console.OpenStandardInput, CancellationToken.None);
}
catch (BootstrapException ex)
{
    await Console.Error.WriteLineAsync($"workspace agent: {ex.Message}");
    return 2;
}

await using var app = AgentApplication.Create(bootstrap, startedAt);
await app.RunAsync();
return 0;
