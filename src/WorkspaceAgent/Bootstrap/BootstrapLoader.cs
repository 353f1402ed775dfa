using System.Text.Json;
using Workspaces.Shared.Agent;
using Workspaces.WorkspaceAgent.Hosting;

namespace Workspaces.WorkspaceAgent.Bootstrap;

/// <summary>
/// Reads the <see cref="AgentBootstrap"/>: from standard input with <c>--bootstrap-stdin</c> (the local runtime writes it
/// and closes the pipe) or from a file with <c>--bootstrap-file &lt;path&gt;</c> (a mounted Kubernetes Secret).
/// </summary>
public static class BootstrapLoader
{
    public const string StdinSwitch = "--bootstrap-stdin";
    public const string FileSwitch = "--bootstrap-file";

    public static async Task<AgentBootstrap> LoadAsync(IReadOnlyList<string> args, Func<Stream> openStandardInput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(openStandardInput);

        var fromStdin = args.Contains(StdinSwitch);
        var fileIndex = args.ToList().IndexOf(FileSwitch);
        if (fromStdin == (fileIndex >= 0))
        {
            throw new BootstrapException($"Start the agent with exactly one of {StdinSwitch} or {FileSwitch} <path>.");
        }

        if (fromStdin)
        {
            await using var stdin = openStandardInput();
            return await ParseAsync(stdin, "standard input", cancellationToken);
        }

        if (fileIndex + 1 >= args.Count || string.IsNullOrWhiteSpace(args[fileIndex + 1]))
        {
            throw new BootstrapException($"{FileSwitch} needs a path.");
        }

        var path = args[fileIndex + 1];
        try
        {
            await using var file = File.OpenRead(path);
            return await ParseAsync(file, path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BootstrapException($"Cannot read the bootstrap file {path}: {ex.Message}", ex);
        }
    }

    public static async Task<AgentBootstrap> ParseAsync(Stream json, string source, CancellationToken cancellationToken)
    {
        AgentBootstrap? bootstrap;
        try
        {
            bootstrap = await JsonSerializer.DeserializeAsync(json, AgentJsonContext.Default.AgentBootstrap, cancellationToken);
        }
        catch (JsonException ex)
        {
            // The position is enough to find the problem; the text around it could hold the secret.
            throw new BootstrapException($"The bootstrap from {source} is not valid JSON (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).", ex);
        }

        if (bootstrap is null)
        {
            throw new BootstrapException($"The bootstrap from {source} is empty.");
        }

        // JSON may omit the map; the record promises one.
        bootstrap = bootstrap with { Environment = bootstrap.Environment ?? new Dictionary<string, string>() };
        var problems = BootstrapValidator.Validate(bootstrap);
        if (problems.Count > 0)
        {
            throw new BootstrapException($"The bootstrap from {source} is invalid: {string.Join(" ", problems)}");
        }

        return bootstrap;
    }
}
