using Workspaces.Shared.Agent;
using Workspaces.Shared.Configuration;

namespace Workspaces.WorkspaceAgent.Tasks;

/// <summary>
/// The environment a task runs with: the agent's own, minus anything secret or agent-specific, then the repository's
/// configuration, the task's own variables and the workspace's variables (later wins). The agent secret never gets in.
/// </summary>
public static class TaskEnvironment
{
    private static readonly string[] SecretNameParts =
    [
        "SECRET", "TOKEN", "PASSWORD", "PASSWD", "CREDENTIAL", "APIKEY", "API_KEY", "PRIVATE_KEY", "ACCESS_KEY", "CONNECTIONSTRING",
    ];

    /// <summary>The agent's hosting settings; a task's own ASP.NET Core app would otherwise pick them up.</summary>
    private static readonly string[] AgentOnlyNames = ["ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS"];

    public static Dictionary<string, string> Build(
        IReadOnlyDictionary<string, string> agentEnvironment,
        WorkspaceConfig config,
        WorkspaceTask task,
        AgentBootstrap bootstrap)
    {
        ArgumentNullException.ThrowIfNull(agentEnvironment);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(bootstrap);

        string[] secretValues = [bootstrap.AgentSecret, .. bootstrap.GitCredential is { } credential ? [credential.Password] : Array.Empty<string>()];
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in agentEnvironment)
        {
            if (!LooksSecret(name) && !AgentOnlyNames.Contains(name, StringComparer.OrdinalIgnoreCase) && !ContainsAny(value, secretValues))
            {
                environment[name] = value;
            }
        }

        foreach (var variables in new[] { config.Environment, task.Environment, bootstrap.Environment })
        {
            foreach (var (name, value) in variables ?? new Dictionary<string, string>())
            {
                environment[name] = value;
            }
        }

        // Where the agent put things: the secret files and, with dotfiles, the workspace's own home.
        foreach (var (name, value) in SecretFiles.SecretFileWriter.Variables(bootstrap).Concat(Dotfiles.DotfilesInstaller.Variables(bootstrap)))
        {
            environment[name] = value;
        }

        // Whoever put it where, the secret that unlocks this agent stays out of the workspace.
        foreach (var name in environment.Where(pair => ContainsAny(pair.Value, [bootstrap.AgentSecret])).Select(pair => pair.Key).ToList())
        {
            environment.Remove(name);
        }

        return environment;
    }

    /// <summary>The agent process's environment as a dictionary.</summary>
    public static IReadOnlyDictionary<string, string> OfCurrentProcess() =>
        Environment.GetEnvironmentVariables()
            .Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(entry => (string)entry.Key, entry => (string?)entry.Value ?? string.Empty, StringComparer.Ordinal);

    private static bool LooksSecret(string name) =>
        SecretNameParts.Any(part => name.Contains(part, StringComparison.OrdinalIgnoreCase));

    private static bool ContainsAny(string value, string[] secrets) =>
        secrets.Any(secret => !string.IsNullOrEmpty(secret) && value.Contains(secret, StringComparison.Ordinal));
}
