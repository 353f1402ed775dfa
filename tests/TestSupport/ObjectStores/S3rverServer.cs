using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Workspaces.TestSupport.ObjectStores;

/// <summary>
/// s3rver (npm; scripts/s3rver-for-tests.sh), an S3-compatible server on a loopback port with one bucket. It accepts
/// only the access key <see cref="AccessKey"/> on requests and presigned URLs; it does not recompute V4 signatures.
/// </summary>
public sealed partial class S3rverServer : IAsyncDisposable
{
    public const string AccessKey = "S3RVER";
    public const string SecretKey = "S3RVER";
    private static readonly Lazy<string> Script = new(Find);
    private readonly Process _process;
    private readonly string _directory;

    private S3rverServer(Process process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    public string Directory => _directory;

    public static async Task<S3rverServer> StartAsync(string bucket)
    {
        var directory = Path.Combine(Path.GetTempPath(), "s3rver-" + Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(directory);
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { Script.Value, "-d", directory, "-a", "127.0.0.1", "-p", "0", "--no-vhost-buckets", "--configure-bucket", bucket })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start)!;
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && Listening().Match(line) is { Success: true } m)
            {
                listening.TrySetResult(new Uri($"http://127.0.0.1:{m.Groups[1].Value}"));
            }
        };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(30));
        return new S3rverServer(process, directory, url);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        System.IO.Directory.Delete(_directory, recursive: true);
    }

    private static string Find()
    {
        if (Environment.GetEnvironmentVariable("WORKSPACES_TEST_S3RVER") is { Length: > 0 } configured)
        {
            return configured;
        }

        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Workspaces.sln")))
        {
            root = root.Parent;
        }

        var script = Path.Combine(root?.FullName ?? throw new InvalidOperationException("Workspaces.sln not found above " + AppContext.BaseDirectory), "scripts", "s3rver-for-tests.sh");
        var start = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var path = process.StandardOutput.ReadToEnd().Trim();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(path))
        {
            throw new InvalidOperationException($"No s3rver: {script} failed ({error.Trim()}). Set WORKSPACES_TEST_S3RVER to s3rver's bin/s3rver.js.");
        }

        return path;
    }

    [GeneratedRegex(@"S3rver listening on [^:]+:(\d+)")]
    private static partial Regex Listening();
}
