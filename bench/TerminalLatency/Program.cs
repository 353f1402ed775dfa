using Workspaces.TerminalLatency;

BenchOptions options;
try
{
    options = BenchOptions.Parse(args);
}
catch (ArgumentException e)
{
    await Console.Error.WriteLineAsync(e.Message);
    await Console.Error.WriteLineAsync(BenchOptions.Usage);
    return 2;
}

// Both sides start and kill shells by the dozen; a login shell that runs `pyenv init` and is killed mid-start leaves
// pyenv's rehash lock behind, and every later shell waits 60 s on it (test.sh sets the same). Inherited by the web app,
// its agents and the peer alike.
if (Environment.GetEnvironmentVariable("PYENV_REHASH_TIMEOUT") is null)
{
    Environment.SetEnvironmentVariable("PYENV_REHASH_TIMEOUT", "1");
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // Stop the web app, its agents and the peer instead of leaving them running.
    e.Cancel = true;
    cancellation.Cancel();
};

var report = await new Harness(options, Console.Error).RunAsync(cancellation.Token);
var markdown = report.ToMarkdown();
Console.WriteLine(markdown);
if (options.OutputFile is { } output)
{
    await File.WriteAllTextAsync(output, markdown, cancellation.Token);
}

return 0;
