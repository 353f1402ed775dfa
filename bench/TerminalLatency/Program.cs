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
