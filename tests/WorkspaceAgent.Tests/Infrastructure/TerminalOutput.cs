using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.SignalR.Client;
using Workspaces.Shared.Terminals;
using Workspaces.TestSupport.Waiting;

namespace Workspaces.WorkspaceAgent.Tests.Infrastructure;

/// <summary>One attached output stream, collected: the bytes, where they started, the frames, the exit code.</summary>
internal sealed class TerminalOutput : IAsyncDisposable
{
    private readonly MemoryStream _bytes = new();
    private readonly List<TerminalFrame> _frames = [];
    private readonly CancellationTokenSource _detach = new();
    private Task _pump = Task.CompletedTask;
    private string? _discontinuity;

    private TerminalOutput(long fromOffset) => NextOffset = StartOffset = fromOffset;

    /// <summary>The offset of the first byte in <see cref="Bytes"/> (moved by a Gap frame).</summary>
    public long StartOffset { get; private set; }

    /// <summary>The offset after the last byte received: where to re-attach.</summary>
    public long NextOffset { get; private set; }

    public byte[] Bytes
    {
        get
        {
            lock (_bytes)
            {
                return _bytes.ToArray();
            }
        }
    }

    public string Text => Encoding.UTF8.GetString(Bytes);

    public IReadOnlyList<TerminalFrame> Frames
    {
        get
        {
            lock (_bytes)
            {
                return [.. _frames];
            }
        }
    }

    /// <summary>Set when the stream ended with an error.</summary>
    public Exception? Error { get; private set; }

    public static TerminalOutput Start(HubConnection connection, string terminalId, long fromOffset, bool acknowledge)
    {
        var output = new TerminalOutput(fromOffset);
        output._pump = output.PumpAsync(connection, terminalId, fromOffset, acknowledge);
        return output;
    }

    public Task<string> WaitForTextAsync(string expected, TimeSpan timeout) =>
        Poll.UntilNotNullAsync(
            () => Task.FromResult(Text is var text && text.Contains(expected, StringComparison.Ordinal) ? text : null),
            timeout,
            $"'{expected}' in the terminal; it shows:\n{Tail()}");

    public Task<Match> WaitForMatchAsync(string pattern, TimeSpan timeout) =>
        Poll.UntilNotNullAsync(
            () => Task.FromResult(Regex.Match(Text, pattern) is { Success: true } match ? match : null),
            timeout,
            $"/{pattern}/ in the terminal; it shows:\n{Tail()}");

    public Task<TerminalFrame> WaitForFrameAsync(TerminalFrameKind kind, TimeSpan timeout) =>
        Poll.UntilNotNullAsync(() => Task.FromResult(Frames.FirstOrDefault(frame => frame.Kind == kind)), timeout, $"a {kind} frame");

    /// <summary>Every Output frame continued exactly where the one before ended (null), or what went wrong.</summary>
    public string? Discontinuity
    {
        get
        {
            lock (_bytes)
            {
                return _discontinuity;
            }
        }
    }

    public async Task DetachAsync()
    {
        await _detach.CancelAsync();
        await _pump.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    public async ValueTask DisposeAsync()
    {
        await DetachAsync();
        _detach.Dispose();
    }

    private string Tail()
    {
        var text = Text;
        return text.Length > 2000 ? text[^2000..] : text;
    }

    private async Task PumpAsync(HubConnection connection, string terminalId, long fromOffset, bool acknowledge)
    {
        try
        {
            var frames = await connection.StreamAsChannelAsync<TerminalFrame>("Attach", terminalId, fromOffset, _detach.Token);
            await foreach (var frame in frames.ReadAllAsync(_detach.Token))
            {
                lock (_bytes)
                {
                    _frames.Add(frame);
                    switch (frame.Kind)
                    {
                        case TerminalFrameKind.Gap when _bytes.Length == 0:
                            StartOffset = NextOffset = frame.Offset;
                            break;
                        case TerminalFrameKind.Gap:
                            _discontinuity ??= $"a gap at {frame.Offset} after {NextOffset}";
                            NextOffset = frame.Offset;
                            break;
                        case TerminalFrameKind.Output:
                            if (frame.Offset != NextOffset)
                            {
                                _discontinuity ??= $"output at {frame.Offset}, expected {NextOffset}";
                            }

                            _bytes.Write(frame.Data);
                            NextOffset = frame.Offset + frame.Data.Length;
                            break;
                    }
                }

                if (acknowledge && frame.Kind == TerminalFrameKind.Output)
                {
                    await connection.SendAsync("Acknowledge", terminalId, frame.Offset + frame.Data.Length, _detach.Token);
                }
            }
        }
        catch (OperationCanceledException) when (_detach.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            Error = ex;
        }
    }
}
