using System.Text.RegularExpressions;

namespace Workspaces.Shared.Configuration;

/// <summary>
/// Expands devcontainer.json's <c>${...}</c> variables (https://containers.dev/implementors/json_reference/#variables-in-devcontainerjson)
/// as far as they mean something here.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>${localWorkspaceFolder}</c>, <c>${containerWorkspaceFolder}</c> and their <c>Basename</c> forms: the checkout
/// directory, which is both the "local" and the "container" folder of a workspace (unknown when text is parsed without a
/// checkout: then they are reported as unresolved).</item>
/// <item><c>${localEnv:NAME}</c> (and the legacy <c>${env:NAME}</c>) means the developer's own machine, which does not exist
/// here: it becomes its default (<c>${localEnv:NAME:default}</c>) or empty, and the caller warns.</item>
/// <item><c>${containerEnv:NAME}</c> is only known inside the running container. In commands it becomes the shell's
/// <c>${NAME}</c> (or <c>${NAME:-default}</c>), which is exactly its meaning. In environment values it is replaced by
/// the value <c>containerEnv</c> gives in the same file, or else reported as unresolved: we never set a variable to
/// literal <c>${containerEnv:PATH}</c>, which would break the terminal.</item>
/// <item><c>${devcontainerId}</c> is unresolved; any other <c>${...}</c> is left as written, as the devcontainer CLI does.</item>
/// </list>
/// </remarks>
internal static partial class DevcontainerVariables
{
    public static string Expand(string text, bool forShell, string? workspaceFolder, IReadOnlyDictionary<string, string> containerEnv, List<string> unresolved, List<string> localEnvironment)
    {
        if (!text.Contains("${", StringComparison.Ordinal))
        {
            return text;
        }

        return VariablePattern().Replace(text, match =>
        {
            var body = match.Groups[1].Value;
            var folderName = workspaceFolder is null ? null : Path.GetFileName(Path.TrimEndingDirectorySeparator(workspaceFolder));
            switch (body)
            {
                case "localWorkspaceFolder" or "containerWorkspaceFolder":
                    return workspaceFolder ?? Unresolved(match.Value);
                case "localWorkspaceFolderBasename" or "containerWorkspaceFolderBasename":
                    return folderName ?? Unresolved(match.Value);
                case "devcontainerId":
                    return Unresolved(match.Value);
            }

            var colon = body.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return match.Value;
            }

            var kind = body[..colon];
            var rest = body[(colon + 1)..];
            var defaultSeparator = rest.IndexOf(':', StringComparison.Ordinal);
            var name = defaultSeparator < 0 ? rest : rest[..defaultSeparator];
            var defaultValue = defaultSeparator < 0 ? null : rest[(defaultSeparator + 1)..];
            switch (kind)
            {
                case "localEnv" or "env":
                    localEnvironment.Add(match.Value);
                    return defaultValue ?? "";
                case "containerEnv" when forShell && ConfigValues.IsEnvironmentName(name):
                    return defaultValue is null ? "${" + name + "}" : "${" + name + ":-" + defaultValue + "}";
                case "containerEnv" when !forShell && containerEnv.TryGetValue(name, out var value):
                    return value;
                case "containerEnv":
                    // Only the image knows the real value, even when the file gives a default for "not set".
                    return Unresolved(match.Value);
                default:
                    return match.Value;
            }
        });

        string Unresolved(string variable)
        {
            unresolved.Add(variable);
            return variable;
        }
    }

    [GeneratedRegex(@"\$\{([^{}]*)\}", RegexOptions.CultureInvariant)]
    private static partial Regex VariablePattern();
}
