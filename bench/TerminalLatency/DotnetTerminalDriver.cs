using System.Diagnostics;
using System.Text;

namespace Workspaces.TerminalLatency;

/// <summary>Drives a terminal with <see cref="TerminalClient"/>, in the harness's own process.</summary>
internal sealed class DotnetTerminalDriver(TerminalClient client) : ITerminalDriver
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan EchoTimeout = TimeSpan.FromSeconds(10);

    public long? Offset => client.Offset;

    public Task WaitQuietAsync(TimeSpan quiet, TimeSpan timeout, CancellationToken cancellationToken) =>
        client.WaitQuietAsync(quiet, timeout, cancellationToken);

    public async Task<IReadOnlyList<double>> TypeAsync(int count, CancellationToken cancellationToken)
    {
        var echoes = new List<double>(count);
        var key = new byte[1];
        for (var i = 0; i < count; i++)
        {
            if (i % Harness.CharactersPerLine == 0)
            {
                // Start a fresh line so characters never wrap, and let the redraw pass before the next measured key.
                await client.SendInputAsync(new[] { Harness.KillLine }, cancellationToken);
                await client.WaitQuietAsync(Quiet, TimeSpan.FromSeconds(10), cancellationToken);
            }

            key[0] = (byte)('a' + (i % 26));
            var echoed = client.Expect(key);
            var sent = Stopwatch.GetTimestamp();
            await client.SendInputAsync(key, cancellationToken);
            var (received, _) = await echoed.WaitAsync(EchoTimeout, cancellationToken);
            echoes.Add(Stopwatch.GetElapsedTime(sent, received).TotalMilliseconds);
        }

        await client.SendInputAsync(new[] { Harness.KillLine }, cancellationToken);
        await client.WaitQuietAsync(Quiet, TimeSpan.FromSeconds(10), cancellationToken);
        return echoes;
    }

    public async Task<StreamedOutput> StreamAsync(string command, string marker, CancellationToken cancellationToken)
    {
        await client.WaitQuietAsync(Quiet, TimeSpan.FromSeconds(10), cancellationToken);
        var done = client.Expect(Encoding.UTF8.GetBytes(marker));
        var startOffset = client.Offset;
        var startPieces = client.Pieces;
        var started = Stopwatch.GetTimestamp();
        await client.SendInputAsync(Encoding.UTF8.GetBytes(command), cancellationToken);
        var (finished, endOffset) = await done;
        return new StreamedOutput(endOffset - startOffset, client.Pieces - startPieces, Stopwatch.GetElapsedTime(started, finished));
    }

    public ValueTask DisposeAsync() => client.DisposeAsync();
}
