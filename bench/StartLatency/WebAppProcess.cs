using System.Diagnostics;
using System.Text.RegularExpressions;
using Workspaces.TestSupport.Processes;

namespace Workspaces.StartLatency;

/// <summary>The real web app (a built Workspaces.Web.dll) as its own process on a free loopback port, its output in a log file.</summary>
internal sealed partial class WebAppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private readonly Queue<string> _lastLines = new();
    private readonly Task _stdout;
    private readonly Task _stderr;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private WebAppProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
        _stdout = PumpAsync(process.StandardOutput);
        _stderr = PumpAsync(process.StandardError);
    }

    public int ProcessId => _process.Id;

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>From process start to the first answer of <c>/alive</c>.</summary>
    public TimeSpan StartupTime { get; private set; }

    public static async Task<WebAppProcess> StartAsync(BenchOptions options, string dataDirectory, string logFile, CancellationToken cancellationToken)
    {
        var webAppPath = options.WebAppPath;
        if (!File.Exists(webAppPath))
        {
            throw new FileNotFoundException($"The web app is not built at {webAppPath}; run `dotnet build -c Release src/Web` or pass --web.", webAppPath);
        }

        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(webAppPath)!,
        };
        start.ArgumentList.Add(webAppPath);
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add("http://127.0.0.1:0");
        start.ArgumentList.Add($"--Workspaces:DataDirectory={dataDirectory}");
        foreach (var argument in options.WebArguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var name in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "ASPNETCORE_URLS", "DOTNET_URLS", "ASPNETCORE_HTTP_PORTS" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in options.Environment)
        {
            start.Environment[name] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start.");
        var app = new WebAppProcess(process, new StreamWriter(logFile) { AutoFlush = true });
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            app.BaseUrl = await app._listening.Task.WaitAsync(timeout.Token);
            using var http = new HttpClient { BaseAddress = app.BaseUrl };
            while (true)
            {
                try
                {
                    using var response = await http.GetAsync(new Uri("/alive", UriKind.Relative), timeout.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not accepting yet.
                }

                await Task.Delay(10, timeout.Token);
            }

            app.StartupTime = stopwatch.Elapsed;
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw new InvalidOperationException($"The web app did not start; its output is in {logFile}.");
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public ProcMemory Memory() => ProcMemory.Read(_process.Id);

    public IReadOnlyList<string> LastLines(int count)
    {
        lock (_log)
        {
            return [.. _lastLines.TakeLast(count)];
        }
    }

    private bool _disposed;

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            // SIGTERM: the app stops as it would under a service manager.
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

    private async Task PumpAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (_log)
            {
                _log.WriteLine(line);
                _lastLines.Enqueue(line);
                if (_lastLines.Count > 50)
                {
                    _lastLines.Dequeue();
                }
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                _listening.TrySetResult(new Uri(match.Groups[1].Value.TrimEnd('/') + "/"));
            }
        }

        _listening.TrySetException(new InvalidOperationException("The web app exited before it listened."));
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningLine();
}
