using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Hosting;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>Clones in a <see cref="CloneWorker"/> process started from the agent's own binary.</summary>
public sealed partial class WorkerProcessCloneRunner(CloneWorkerCommand command, ILogger<WorkerProcessCloneRunner> logger) : ICloneRunner
{
    public async Task<CloneFailure?> RunAsync(CloneRequest request, string directory, Action<CloneProgress> onProgress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(onProgress);
        var startInfo = new ProcessStartInfo(command.FileName)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var argument in command.Arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.ArgumentList.Add(CloneWorker.Switch);

        using var worker = Process.Start(startInfo) ?? throw new InvalidOperationException("The clone worker did not start.");
        using var killOnCancel = cancellationToken.Register(() => Kill(worker));
        var errors = worker.StandardError.ReadToEndAsync(CancellationToken.None);

        CloneWorkerMessage? outcome = null;
        try
        {
            // The request (with the credential) goes through the pipe; input stays open until the clone ends, as the
            // worker takes its end as "stop".
            await worker.StandardInput.WriteLineAsync(JsonSerializer.Serialize(new CloneWorkerRequest(request, directory), AgentJsonContext.Default.CloneWorkerRequest));
            await worker.StandardInput.FlushAsync(cancellationToken);
            while (await worker.StandardOutput.ReadLineAsync(CancellationToken.None) is { } line)
            {
                var message = JsonSerializer.Deserialize(line, AgentJsonContext.Default.CloneWorkerMessage);
                if (message?.Progress is { } progress)
                {
                    onProgress(progress);
                }

                if (message?.Completed == true)
                {
                    outcome = message;
                }
            }
        }
        catch (IOException) when (cancellationToken.IsCancellationRequested || worker.HasExited)
        {
            // The worker went away mid-conversation; its exit code below says how.
        }
        finally
        {
            worker.StandardInput.Close();
        }

        await worker.WaitForExitAsync(CancellationToken.None);
        var stderr = (await errors).Trim();
        if (stderr.Length > 0)
        {
            LogWorkerOutput(logger, worker.Id, RepositoryUrl.Redact(stderr));
        }

        if (outcome is not null || cancellationToken.IsCancellationRequested)
        {
            return outcome?.Failure;
        }

        return new CloneFailure($"the Git library stopped unexpectedly (worker exit code {worker.ExitCode})");
    }

    private static void Kill(Process worker)
    {
        try
        {
            worker.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Clone worker {ProcessId} wrote to standard error: {Output}")]
    private static partial void LogWorkerOutput(ILogger logger, int processId, string output);
}
