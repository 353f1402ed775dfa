using Workspaces.Bench.PreviewProxy;

// --upstream PORT: the measured app (started by the workspace's task). Otherwise: the harness.
if (args is ["--upstream", var port])
{
    await Upstream.RunAsync(int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
    return 0;
}

var options = HarnessOptions.Parse(args);
using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

await using var harness = new Harness(options, Console.Error);
var markdown = await harness.RunAsync(cancellation.Token);
Console.WriteLine(markdown);
if (options.OutputFile is { } output)
{
    await File.WriteAllTextAsync(output, markdown, cancellation.Token);
}

return 0;
