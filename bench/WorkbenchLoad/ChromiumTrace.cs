using System.Text.Json;
using Microsoft.Playwright;

namespace Workspaces.WorkbenchLoad;

/// <summary>
/// A Chromium performance trace of one page through the DevTools protocol (Playwright's own tracing API is for
/// Node.js only): what ran on the main thread when, for chrome://tracing or the DevTools' Performance tab.
/// </summary>
internal sealed class ChromiumTrace
{
    private const string Categories = "devtools.timeline,disabled-by-default-devtools.timeline,v8,v8.execute,disabled-by-default-v8.compile,blink.user_timing,loading,toplevel";

    private readonly ICDPSession _session;
    private readonly List<JsonElement> _events = [];
    private readonly TaskCompletionSource _complete = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ChromiumTrace(ICDPSession session)
    {
        _session = session;
        session.Event("Tracing.dataCollected").OnEvent += (_, data) =>
        {
            if (data?.TryGetProperty("value", out var values) == true)
            {
                lock (_events)
                {
                    _events.AddRange(values.EnumerateArray().Select(e => e.Clone()));
                }
            }
        };
        session.Event("Tracing.tracingComplete").OnEvent += (_, _) => _complete.TrySetResult();
    }

    public static async Task<ChromiumTrace> StartAsync(IBrowserContext context, IPage page)
    {
        var trace = new ChromiumTrace(await context.NewCDPSessionAsync(page));
        await trace._session.SendAsync("Tracing.start", new() { ["categories"] = Categories, ["transferMode"] = "ReportEvents" });
        return trace;
    }

    public async Task StopAsync(string path)
    {
        await _session.SendAsync("Tracing.end");
        await _complete.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await using var file = File.Create(path);
        lock (_events)
        {
            JsonSerializer.Serialize(file, new { traceEvents = _events });
        }
    }
}
