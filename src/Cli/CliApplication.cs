using System.CommandLine;
using Workspaces.Cli.Commands;

namespace Workspaces.Cli;

/// <summary>The command tree (Program and the tests parse with it).</summary>
public static class CliApplication
{
    public static RootCommand Create()
    {
        var globals = new GlobalOptions();
        var root = new RootCommand("workspaces: sign in to a Workspaces server, manage your workspaces and ports, and SSH into them.");
        globals.AddTo(root);
        root.Subcommands.Add(AuthCommands.Login(globals));
        root.Subcommands.Add(AuthCommands.Logout(globals));
        root.Subcommands.Add(AuthCommands.WhoAmI(globals));
        foreach (var command in WorkspaceCommands.All(globals))
        {
            root.Subcommands.Add(command);
        }

        foreach (var command in PortCommands.All(globals))
        {
            root.Subcommands.Add(command);
        }

        root.Subcommands.Add(SshCommands.Ssh(globals));
        root.Subcommands.Add(SshCommands.ConfigSsh(globals));
        root.Subcommands.Add(CompletionCommand.Create());
        return root;
    }
}
