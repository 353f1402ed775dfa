using System.CommandLine;
using System.Text.Json.Nodes;
using Workspaces.Cli.Api;

namespace Workspaces.Cli.Commands;

/// <summary><c>create</c>, <c>list</c>, <c>start</c>, <c>stop</c>, <c>restart</c>, <c>delete</c>, <c>open</c> and <c>logs</c>.</summary>
public static class WorkspaceCommands
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

    public static IEnumerable<Command> All(GlobalOptions globals)
    {
        yield return Create(globals);
        yield return List(globals);
        yield return Action(globals, "start", "Start a stopped workspace (or retry a failed start)");
        yield return Action(globals, "stop", "Stop a workspace; its files are kept");
        yield return Action(globals, "restart", "Stop and start a workspace");
        yield return Delete(globals);
        yield return Open(globals);
        yield return Logs(globals);
    }

    private static Argument<string> WorkspaceArgument(GlobalOptions globals)
    {
        var argument = new Argument<string>("workspace") { Description = "The workspace id (`workspaces list` shows them)" };
        argument.CompletionSources.Add(WorkspaceCompletion.Source(globals));
        return argument;
    }

    private static Command Create(GlobalOptions globals)
    {
        var url = new Argument<string>("git-url") { Description = "The repository to clone, e.g. https://github.com/org/repo" };
        var gitRef = new Option<string?>("--ref") { Description = "A branch, tag or commit (default: the repository's default branch)" };
        var open = new Option<bool>("--open") { Description = "Open the workspace page in the browser once it is ready" };
        var noWait = new Option<bool>("--no-wait") { Description = "Return once created, without waiting for it to be ready" };
        var create = new Command("create", "Create a workspace from a Git URL and show its start, phase by phase") { url, gitRef, open, noWait };
        create.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, async token =>
            {
                using var server = context.Connect();
                var created = await server.PostAsync("/api/workspaces", new JsonObject { ["repositoryUrl"] = parse.GetValue(url), ["ref"] = parse.GetValue(gitRef) }, token);
                var id = created["id"]!.GetValue<string>();
                context.Note($"Created {id}.");
                var final = parse.GetValue(noWait) ? created : await FollowStartAsync(context, server, id, token);
                context.Print(final, () => $"{id}  {final["status"]}  {new Uri(server.BaseUrl, final["url"]?.GetValue<string>() ?? $"/workspaces/{id}")}");
                if (final["phase"]?.GetValue<string>() == "Failed")
                {
                    return ExitCodes.Failed;
                }

                if (parse.GetValue(open))
                {
                    AuthCommands.OpenBrowser(new Uri(server.BaseUrl, $"/workspaces/{id}").AbsoluteUri);
                }

                return ExitCodes.Ok;
            }, ct);
        });
        return create;
    }

    /// <summary>Prints each phase as it begins (with the time the previous one took) until Ready or Failed.</summary>
    private static async Task<JsonNode> FollowStartAsync(CliContext context, ServerConnection server, string id, CancellationToken cancellationToken)
    {
        string? lastStatus = null;
        var since = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var details = await server.GetAsync($"/api/workspaces/{id}", cancellationToken);
            var workspace = details["workspace"]!;
            var status = workspace["status"]?.GetValue<string>();
            var phase = workspace["phase"]?.GetValue<string>();
            if (status != lastStatus)
            {
                var elapsed = TimeProvider.System.GetElapsedTime(since);
                context.Note(lastStatus is null ? $"  {status}" : $"  {status}   ({lastStatus}: {elapsed.TotalSeconds:0.0} s)");
                lastStatus = status;
                since = TimeProvider.System.GetTimestamp();
            }

            if (phase == "Failed")
            {
                var error = workspace["error"];
                context.Note($"The start failed: {error?["message"]} {error?["advice"]}".TrimEnd());
                return workspace;
            }

            if (phase == "Ready")
            {
                return workspace;
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static Command List(GlobalOptions globals)
    {
        var list = new Command("list", "Your workspaces and those shared with you") { Aliases = { "ls" } };
        list.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, async token =>
            {
                using var server = context.Connect();
                var listed = await server.GetAsync("/api/workspaces", token);
                context.Print(listed, () => listed.AsArray().Count == 0
                    ? "No workspaces yet: `workspaces create <git-url>` makes one."
                    : string.Join("\n", listed.AsArray().Select(w => $"{w!["id"],-24} {w["status"],-14} {w["repositoryUrl"]}{(w["ref"] is { } r ? " @ " + r : "")}")));
                return ExitCodes.Ok;
            }, ct);
        });
        return list;
    }

    private static Command Action(GlobalOptions globals, string name, string description)
    {
        var workspace = WorkspaceArgument(globals);
        var command = new Command(name, description) { workspace };
        command.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, async token =>
            {
                using var server = context.Connect();
                var id = parse.GetValue(workspace)!;
                var answer = await server.PostAsync($"/api/workspaces/{Uri.EscapeDataString(id)}/{name}", null, token);
                context.Print(answer, () => $"{id}: {answer["status"]}");
                return ExitCodes.Ok;
            }, ct);
        });
        return command;
    }

    private static Command Delete(GlobalOptions globals)
    {
        var workspace = WorkspaceArgument(globals);
        var yes = new Option<bool>("--yes", "-y") { Description = "Delete even when there is uncommitted or unpushed work, without asking" };
        var delete = new Command("delete", "Delete a workspace and its files (asks first when there is work not pushed)") { workspace, yes };
        delete.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, async token =>
            {
                using var server = context.Connect();
                var id = parse.GetValue(workspace)!;
                var details = await server.GetAsync($"/api/workspaces/{Uri.EscapeDataString(id)}", token);
                var git = details["workspace"]?["git"];
                var uncommitted = git?["uncommittedChanges"]?.GetValue<int>() ?? 0;
                var unpushed = git?["unpushedCommits"]?.GetValue<int>() ?? 0;
                if ((uncommitted > 0 || unpushed > 0) && !parse.GetValue(yes))
                {
                    var loss = $"{uncommitted} uncommitted change(s) and {unpushed} unpushed commit(s)";
                    if (Console.IsInputRedirected || context.Json)
                    {
                        throw new CliException(ExitCodes.Cancelled, $"{id} has {loss} that deleting would lose: push them, or pass --yes to delete anyway.");
                    }

                    await context.Error.WriteAsync($"{id} has {loss}. Delete it and lose them? [y/N] ");
                    if (Console.ReadLine()?.Trim().ToLowerInvariant() is not ("y" or "yes"))
                    {
                        throw new CliException(ExitCodes.Cancelled, "Nothing deleted.");
                    }
                }

                var answer = await server.DeleteAsync($"/api/workspaces/{Uri.EscapeDataString(id)}", token);
                context.Print(answer, () => $"{id}: deleting");
                return ExitCodes.Ok;
            }, ct);
        });
        return delete;
    }

    private static Command Open(GlobalOptions globals)
    {
        var workspace = WorkspaceArgument(globals);
        var open = new Command("open", "Open the workspace page in the browser") { workspace };
        open.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, async token =>
            {
                using var server = context.Connect();
                var id = parse.GetValue(workspace)!;
                await server.GetAsync($"/api/workspaces/{Uri.EscapeDataString(id)}", token);
                var url = new Uri(server.BaseUrl, $"/workspaces/{Uri.EscapeDataString(id)}").AbsoluteUri;
                AuthCommands.OpenBrowser(url);
                context.Print(new JsonObject { ["url"] = url }, () => url);
                return ExitCodes.Ok;
            }, ct);
        });
        return open;
    }

    private static Command Logs(GlobalOptions globals)
    {
        var workspace = WorkspaceArgument(globals);
        var task = new Option<int>("--task") { Description = "Which task (0 is the first of .gitpod.yml / devcontainer.json)", DefaultValueFactory = _ => 0 };
        var follow = new Option<bool>("--follow", "-f") { Description = "Keep printing new output until Ctrl-C" };
        var logs = new Command("logs", "A task's output") { workspace, task, follow };
        logs.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, async token =>
            {
                using var server = context.Connect();
                var id = Uri.EscapeDataString(parse.GetValue(workspace)!);
                long offset = 0;
                await using var output = Console.OpenStandardOutput();
                do
                {
                    using var request = new HttpRequestMessage(HttpMethod.Get, $"api/workspaces/{id}/tasks/{parse.GetValue(task)}/log?offset={offset}");
                    using var response = await server.SendRawAsync(request, token);
                    var bytes = await response.Content.ReadAsByteArrayAsync(token);
                    await output.WriteAsync(bytes, token);
                    await output.FlushAsync(token);
                    offset = response.Headers.TryGetValues("X-Log-Length", out var next) && long.TryParse(next.First(), out var parsed) ? parsed : offset + bytes.Length;
                    if (parse.GetValue(follow))
                    {
                        await Task.Delay(PollInterval, token);
                    }
                }
                while (parse.GetValue(follow));
                return ExitCodes.Ok;
            }, ct);
        });
        return logs;
    }
}
