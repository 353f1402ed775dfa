using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>
/// One running language server: its standard input fed from a bounded queue (nobody waits on a slow server), its
/// standard output read as framed JSON on a thread of its own (answers pass on as bytes, other messages as JSON objects),
/// its standard error as log lines. Any protocol violation kills it; the owner
/// hears of the end once, through <c>exited</c>.
/// </summary>
internal sealed class LanguageServerProcess : IAsyncDisposable
{
    private const int MaxLogLine = 4096;
    private int _disposed;

    private readonly Process _process;
    private readonly Channel<byte[]> _input = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(1024) { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _reading;
    private readonly Task _writing;
    private readonly Task _logging;
    private readonly Queue<string> _lastLines = new();
    private string? _violation;

    private LanguageServerProcess(Process process, int maxMessageBytes, Action<JsonObject> message, Action<byte[], Range> response, Action<string> log, Action<string> exited)
    {
        _process = process;
        _writing = WriteLoopAsync();
        _logging = LogLoopAsync(log);
        _reading = ReadLoopAsync(maxMessageBytes, message, response, exited);
    }

    public int ProcessId => _process.Id;

    public static LanguageServerProcess Start(
        string executable,
        IReadOnlyList<string> arguments,
        string workingDirectory,
        IReadOnlyDictionary<string, string> environment,
        int maxMessageBytes,
        Action<JsonObject> message,
        Action<byte[], Range> response,
        Action<string> log,
        Action<string> exited)
    {
        var start = new ProcessStartInfo(executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{executable} did not start.");
        return new LanguageServerProcess(process, maxMessageBytes, message, response, log, exited);
    }

    /// <summary>Queues a message; false when the server has stopped reading (its queue is full) or has ended.</summary>
    public bool Send(JsonObject message) => _input.Writer.TryWrite(JsonSerializer.SerializeToUtf8Bytes(message, LanguagesJsonContext.Default.JsonObject));

    /// <summary>The last lines of its standard error, for the crash message.</summary>
    public string LastLines()
    {
        lock (_lastLines)
        {
            return string.Join('\n', _lastLines);
        }
    }

    /// <summary>Kills the server and its children (tsserver under typescript-language-server).</summary>
    public void Kill(string? violation = null)
    {
        _violation ??= violation;
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var timer = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(timer.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (InvalidOperationException) when (Volatile.Read(ref _disposed) == 1)
        {
            // Disposed meanwhile (the agent stopping): it was killed then.
            return true;
        }
    }

    /// <summary>Once: the host disposes a server it stopped, and again when the agent stops if it still holds it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Kill();
        await _stopping.CancelAsync();
        _input.Writer.TryComplete();
        await Task.WhenAll(_reading, _writing, _logging).WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { }, TaskScheduler.Default);
        _process.Dispose();
        _stopping.Dispose();
    }

    private async Task ReadLoopAsync(int maxMessageBytes, Action<JsonObject> message, Action<byte[], Range> response, Action<string> exited)
    {
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                ReadMessages(maxMessageBytes, message, response);
                ended.SetResult();
            }
            catch (Exception ex)
            {
                ended.SetException(ex);
            }
        })
        {
            IsBackground = true,
            Name = "Language server output",
        };
        thread.Start();
        await ended.Task;

        await _process.WaitForExitAsync(CancellationToken.None);
        _input.Writer.TryComplete();

        // The crash message quotes the last lines of standard error; a child that keeps the pipe open must not hold it.
        await _logging.WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(_ => { }, TaskScheduler.Default);
        exited(_violation ?? $"it exited with code {ExitCode()}");
    }

    private void ReadMessages(int maxMessageBytes, Action<JsonObject> message, Action<byte[], Range> response)
    {
        var reader = new LspFrameReader(_process.StandardOutput.BaseStream, maxMessageBytes);
        try
        {
            while (!_stopping.IsCancellationRequested && reader.Read() is { } body)
            {
                JsonRpcShape shape;
                try
                {
                    shape = JsonRpc.TryScan(body, out var scanned) ? scanned : throw new LspProtocolException("a message that is not a JSON object");
                }
                catch (JsonException ex)
                {
                    throw new LspProtocolException($"a message that is not JSON ({ex.Message})");
                }

                if (shape.IsResponse)
                {
                    response(body, shape.Id);
                }
                else
                {
                    message((JsonObject)JsonNode.Parse(body)!);
                }
            }
        }
        catch (LspProtocolException ex)
        {
            Kill($"it sent {ex.Message}, so it was stopped");
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or ObjectDisposedException)
        {
            Kill();
        }
    }

    private string ExitCode()
    {
        try
        {
            return _process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (InvalidOperationException)
        {
            return "unknown";
        }
    }

    private async Task WriteLoopAsync()
    {
        var stdin = _process.StandardInput.BaseStream;
        try
        {
            await foreach (var body in _input.Reader.ReadAllAsync(_stopping.Token))
            {
                await LspFrameWriter.WriteAsync(stdin, body, _stopping.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // The server is gone; the read loop reports it.
        }
    }

    private async Task LogLoopAsync(Action<string> log)
    {
        var stderr = _process.StandardError;
        var line = new StringBuilder();
        var buffer = new char[4096];
        try
        {
            int read;
            while ((read = await stderr.ReadAsync(buffer, _stopping.Token)) > 0)
            {
                for (var i = 0; i < read; i++)
                {
                    if (buffer[i] == '\n' || line.Length >= MaxLogLine)
                    {
                        Emit(line.ToString().TrimEnd('\r'));
                        line.Clear();
                        if (buffer[i] == '\n')
                        {
                            continue;
                        }
                    }

                    line.Append(buffer[i]);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Ends with the process.
        }

        if (line.Length > 0)
        {
            Emit(line.ToString());
        }

        void Emit(string text)
        {
            lock (_lastLines)
            {
                _lastLines.Enqueue(text);
                if (_lastLines.Count > 10)
                {
                    _lastLines.Dequeue();
                }
            }

            log(text);
        }
    }
}
