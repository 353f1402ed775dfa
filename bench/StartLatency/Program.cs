using Workspaces.StartLatency;

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
    // Let the harness stop the web app and its agents instead of leaving them running.
    e.Cancel = true;
    cancellation.Cancel();
};

using var harness = new Harness(options, Console.Error);
var markdown = options.Prebuilds
    ? (await harness.RunPrebuildsAsync(cancellation.Token)).ToMarkdown()
    : (await harness.RunAsync(cancellation.Token)).ToMarkdown();
Console.WriteLine(markdown);
if (options.OutputFile is { } output)
{
    await File.WriteAllTextAsync(output, markdown, cancellation.Token);
}

return 0;
