using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Workspaces.TestSupport.Processes;

namespace Workspaces.TerminalLatency;

/// <summary>A server the harness started (the web app, the peer), its output in a log file, stopped with SIGTERM.</summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Task _stdout;
    private readonly Task _stderr;

    private ServerProcess(Process process, StreamWriter log, Uri baseUrl)
    {
        _process = process;
        _log = log;
        BaseUrl = baseUrl;
        _stdout = PumpAsync(process.StandardOutput);
        _stderr = PumpAsync(process.StandardError);
    }

    public int ProcessId => _process.Id;

    public Uri BaseUrl { get; }

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/> (where <c>{port}</c> becomes a free loopback port) and waits until <paramref name="probe"/> answers.</summary>
    public static async Task<ServerProcess> StartAsync(
        string fileName,
        IEnumerable<string> arguments,
        string workingDirectory,
        string logFile,
        string probe,
        IEnumerable<KeyValuePair<string, string>> environment,
        CancellationToken cancellationToken)
    {
        var port = FreePort();
        var start = new ProcessStartInfo(fileName)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument.Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal));
        }

        foreach (var name in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS", "DOTNET_ThreadPool_UnfairSemaphoreSpinLimit" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var server = new ServerProcess(process, new StreamWriter(logFile) { AutoFlush = true }, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            using var http = new HttpClient { BaseAddress = server.BaseUrl };
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"{fileName} exited with {process.ExitCode}.");
                }

                try
                {
                    using var response = await http.GetAsync(new Uri(probe, UriKind.Relative), timeout.Token);
                    break; // Any answer: it accepts connections.
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                await Task.Delay(20, timeout.Token);
            }

            return server;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"{fileName} did not start; its output is in {logFile}.", e);
        }
    }

    public long ResidentBytes() => ProcessProbe.ResidentBytes(_process.Id);

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            ProcessSignals.Send(_process.Id, ProcessSignals.SigTerm);
            using var grace = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync(CancellationToken.None);
            }
        }

        await Task.WhenAll(_stdout, _stderr);
        await _log.DisposeAsync();
        _process.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task PumpAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_log)
            {
                _log.WriteLine(line);
            }
        }
    }
}
