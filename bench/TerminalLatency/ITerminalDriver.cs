namespace Workspaces.TerminalLatency;

/// <summary>
/// The client that drives one side's terminal: the in-process .NET client, or the browser's own SignalR client under
/// Node (<c>--client node</c>). The harness measures CPU around each call; the driver measures what a user waits for.
/// </summary>
internal interface ITerminalDriver : IAsyncDisposable
{
    /// <summary>Bytes received so far, for stall reports; null when the driver cannot say between calls.</summary>
    long? Offset { get; }

    Task WaitQuietAsync(TimeSpan quiet, TimeSpan timeout, CancellationToken cancellationToken);

    /// <summary>Types <paramref name="count"/> keys one at a time at the shell's prompt, each after the previous one's echo.</summary>
    /// <returns>Each key's echo time, in milliseconds.</returns>
    Task<IReadOnlyList<double>> TypeAsync(int count, CancellationToken cancellationToken);

    /// <summary>Types <paramref name="command"/> and times the output until <paramref name="marker"/> arrives.</summary>
    Task<StreamedOutput> StreamAsync(string command, string marker, CancellationToken cancellationToken);
}

internal sealed record StreamedOutput(long Bytes, long Pieces, TimeSpan Elapsed);
