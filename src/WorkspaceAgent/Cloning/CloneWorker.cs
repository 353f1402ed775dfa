using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Hosting;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>
/// The agent binary started with <see cref="Switch"/>: clones once and exits. Running libgit2 in a short-lived process
/// gives its memory back when the clone ends (an idle agent must stay small), keeps a crash in native code from taking
/// the agent down, and lets the agent cancel a clone at once, even one stuck connecting.
/// </summary>
public static class CloneWorker
{
    public const string Switch = "--clone-worker";

    /// <summary>Progress lines are for a progress bar, not a log of every object.</summary>
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(25);

    public static async Task<int> RunAsync(Stream input, Stream output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        using var reader = new StreamReader(input, Encoding.UTF8);
        var line = await reader.ReadLineAsync(cancellationToken);
        var request = line is null ? null : JsonSerializer.Deserialize(line, AgentJsonContext.Default.CloneWorkerRequest);
        if (request is null)
        {
            await Console.Error.WriteLineAsync("clone worker: no request on standard input.");
            return 2;
        }

        // The agent keeps our input open while it wants the clone; end of input means it cancelled or died.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _ = Task.Run(
            async () =>
            {
                try
                {
                    await reader.ReadToEndAsync(cancel.Token);
                }
                finally
                {
                    await cancel.CancelAsync();
                }
            },
            CancellationToken.None);

        var writer = new MessageWriter(output);
        var failure = await new InProcessCloneRunner().RunAsync(request.Request, request.Directory, writer.Progress, cancel.Token);
        writer.Complete(failure);
        return 0;
    }

    private sealed class MessageWriter(Stream output)
    {
        private readonly Lock _lock = new();
        private long _lastSent;
        private CloneProgress? _unsent;

        public void Progress(CloneProgress progress)
        {
            lock (_lock)
            {
                _unsent = progress;
                if (_lastSent != 0 && Stopwatch.GetElapsedTime(_lastSent) < ProgressInterval)
                {
                    return;
                }

                _lastSent = Stopwatch.GetTimestamp();
                _unsent = null;
                Write(new CloneWorkerMessage(progress, Completed: false, Failure: null));
            }
        }

        /// <summary>Sends the last progress held back, then the outcome.</summary>
        public void Complete(CloneFailure? failure)
        {
            lock (_lock)
            {
                if (_unsent is { } progress)
                {
                    Write(new CloneWorkerMessage(progress, Completed: false, Failure: null));
                }

                Write(new CloneWorkerMessage(null, Completed: true, failure));
            }
        }

        private void Write(CloneWorkerMessage message)
        {
            output.Write(JsonSerializer.SerializeToUtf8Bytes(message, AgentJsonContext.Default.CloneWorkerMessage));
            output.WriteByte((byte)'\n');
            output.Flush();
        }
    }
}
