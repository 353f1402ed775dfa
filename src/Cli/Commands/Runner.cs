namespace Workspaces.Cli.Commands;

/// <summary>Runs a command's body and turns what it throws into the documented exit code and one sentence on standard error.</summary>
public static class Runner
{
    public static async Task<int> RunAsync(CliContext context, Func<CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return await body(cancellationToken);
        }
        catch (CliException e)
        {
            await context.Error.WriteLineAsync($"workspaces: {e.Message}");
            return e.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 130;
        }
    }
}
