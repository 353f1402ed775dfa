using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;
using Workspaces.WorkspaceAgent.Tasks;

namespace Workspaces.WorkspaceAgent.Terminals;

/// <summary>What processes in a terminal see: the task environment (never the agent secret) plus terminal variables.</summary>
public static class TerminalEnvironment
{
    private static readonly WorkspaceTask NoTask = new(string.Empty, null, null, null, new Dictionary<string, string>());

    /// <summary>The environment of an interactive shell: the workspace's, as a task without variables of its own gets it.</summary>
    public static Dictionary<string, string> ForShell(IReadOnlyDictionary<string, string> agentEnvironment, WorkspaceConfig? config, AgentBootstrap bootstrap) =>
        WithTerminalVariables(TaskEnvironment.Build(agentEnvironment, config ?? WorkspaceConfig.Empty, NoTask, bootstrap));

    /// <summary>Adds what a terminal program expects of xterm.js: 256 colours, truecolor, and UTF-8 unless a locale is set.</summary>
    public static Dictionary<string, string> WithTerminalVariables(Dictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        environment["TERM"] = "xterm-256color";
        environment["COLORTERM"] = "truecolor";
        if (!environment.ContainsKey("LANG") && !environment.ContainsKey("LC_ALL"))
        {
            environment["LANG"] = "C.UTF-8";
        }

        return environment;
    }

    /// <summary>The login shell for new terminals: the configured one, the workspace's <c>$SHELL</c>, bash, else sh.</summary>
    public static string ShellFor(TerminalOptions options, IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        if (options.Shell is { } configured)
        {
            return configured;
        }

        if (environment.TryGetValue("SHELL", out var shell) && Path.IsPathRooted(shell) && File.Exists(shell))
        {
            return shell;
        }

        return File.Exists("/bin/bash") ? "/bin/bash" : "/bin/sh";
    }
}
