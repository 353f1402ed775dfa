using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Workspaces.Cli.Commands;

/// <summary><c>ports</c> (list, <c>visibility</c>, <c>share</c>) and <c>port-forward</c> (a local port to a workspace port, over the SSH tunnel).</summary>
public static class PortCommands
{
    public static IEnumerable<Command> All(GlobalOptions globals)
    {
        yield return Ports(globals);
        yield return PortForward(globals);
    }

    private static Command Ports(GlobalOptions globals)
    {
        var workspace = Workspace(globals);
        var ports = new Command("ports", "The workspace's ports: listening or declared, their preview URL, visibility and share links") { workspace };
        ports.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, async token =>
            {
                using var server = context.Connect();
                var listed = await server.GetAsync($"/api/workspaces/{Uri.EscapeDataString(parse.GetValue(workspace)!)}/ports", token);
                context.Print(listed, () => listed.AsArray().Count == 0
                    ? "No ports yet: start a server in the workspace and it appears here."
                    : string.Join("\n", listed.AsArray().Select(p => $"{p!["port"],6}  {(p["listening"]?.GetValue<bool>() == true ? "listening" : "declared "),-9}  {p["visibility"],-8} {p["url"]}{(p["name"] is { } n ? "  (" + n + ")" : "")}")));
                return ExitCodes.Ok;
            }, ct);
        });

        var port = new Argument<int>("port") { Description = "The port in the workspace" };
        var visibility = new Argument<string>("visibility") { Description = "private, team or public" };
        visibility.AcceptOnlyFromAmong("private", "team", "public");
        var visibilityWorkspace = Workspace(globals);
        var setVisibility = new Command("visibility", "Who may open a port's preview: private (you), team (the workspace's team) or public (anyone with the URL)") { visibilityWorkspace, port, visibility };
        setVisibility.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, async token =>
            {
                using var server = context.Connect();
                var value = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(parse.GetValue(visibility)!);
                var answer = await server.PutAsync($"/api/workspaces/{Uri.EscapeDataString(parse.GetValue(visibilityWorkspace)!)}/ports/{parse.GetValue(port)}/visibility", new JsonObject { ["visibility"] = value }, token);
                context.Print(answer, () => $"Port {parse.GetValue(port)} is {value.ToLowerInvariant()}.");
                return ExitCodes.Ok;
            }, ct);
        });
        ports.Subcommands.Add(setVisibility);

        var shareWorkspace = Workspace(globals);
        var sharePort = new Argument<int>("port") { Description = "The port in the workspace" };
        var expires = new Option<string>("--expires") { Description = "1h, 1d, 7d or d.hh:mm:ss", DefaultValueFactory = _ => "1d" };
        var label = new Option<string?>("--label") { Description = "A name to recognise the link by (shown in the ports panel)" };
        var share = new Command("share", "A link that opens a private port for anyone who has it, until it expires or is revoked") { shareWorkspace, sharePort, expires, label };
        share.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, async token =>
            {
                using var server = context.Connect();
                var created = await server.PostAsync(
                    $"/api/workspaces/{Uri.EscapeDataString(parse.GetValue(shareWorkspace)!)}/ports/{parse.GetValue(sharePort)}/share-links",
                    new JsonObject { ["label"] = parse.GetValue(label), ["expiresIn"] = parse.GetValue(expires) },
                    token);
                context.Print(created, () => $"{created["url"]}\n(expires {created["link"]?["expiresAt"]}; the link is shown only now)");
                return ExitCodes.Ok;
            }, ct);
        });
        ports.Subcommands.Add(share);
        return ports;
    }

    private static Command PortForward(GlobalOptions globals)
    {
        var workspace = Workspace(globals);
        var mapping = new Argument<string[]>("mapping") { Description = "local:remote, e.g. 8080:3000 (several allowed)", Arity = ArgumentArity.OneOrMore };
        var forward = new Command("port-forward", "Make workspace ports reachable on localhost (over the SSH tunnel; needs sshd in the image) until Ctrl-C") { workspace, mapping };
        forward.SetAction((parse, ct) =>
        {
            var context = globals.For(parse);
            return Runner.RunAsync(context, token =>
            {
                var options = new List<string> { "-N", "-o", "ExitOnForwardFailure=yes" };
                foreach (var pair in parse.GetValue(mapping)!)
                {
                    var parts = pair.Split(':');
                    if (parts.Length != 2 || !ushort.TryParse(parts[0], out var local) || !ushort.TryParse(parts[1], out var remote) || local == 0 || remote == 0)
                    {
                        throw new CliException(ExitCodes.Usage, $"'{pair}' is not local:remote (two port numbers, e.g. 8080:3000).");
                    }

                    options.Add("-L");
                    options.Add($"127.0.0.1:{local}:127.0.0.1:{remote}");
                    context.Note($"Forwarding http://127.0.0.1:{local} → port {remote} of the workspace (Ctrl-C to stop)");
                }

                return SshCommands.RunSshAsync(context, parse.GetValue(workspace)!, options, [], token);
            }, ct);
        });
        return forward;
    }

    private static Argument<string> Workspace(GlobalOptions globals)
    {
        var argument = new Argument<string>("workspace") { Description = "The workspace id (`workspaces list` shows them)" };
        argument.CompletionSources.Add(WorkspaceCompletion.Source(globals));
        return argument;
    }
}
