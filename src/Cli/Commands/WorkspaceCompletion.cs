using System.CommandLine;
using System.CommandLine.Completions;

namespace Workspaces.Cli.Commands;

/// <summary>Tab completion of workspace ids from the server (quietly nothing when not signed in or offline).</summary>
public static class WorkspaceCompletion
{
    public static Func<CompletionContext, IEnumerable<CompletionItem>> Source(GlobalOptions globals) => completion =>
    {
        try
        {
            using var server = globals.For(completion.ParseResult).Connect();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            var listed = server.GetAsync("/api/workspaces", timeout.Token).GetAwaiter().GetResult();
            return listed.AsArray()
                .Select(w => w?["id"]?.GetValue<string>())
                .OfType<string>()
                .Where(id => id.StartsWith(completion.WordToComplete, StringComparison.Ordinal))
                .Select(id => new CompletionItem(id))
                .ToList();
        }
        catch (Exception e) when (e is CliException or OperationCanceledException or HttpRequestException or System.Text.Json.JsonException or InvalidOperationException)
        {
            return [];
        }
    };
}
