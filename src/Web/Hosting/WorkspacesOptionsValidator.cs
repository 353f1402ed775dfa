using Microsoft.Extensions.Options;

namespace Workspaces.Web.Hosting;

public sealed class WorkspacesOptionsValidator : IValidateOptions<WorkspacesOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkspacesOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DataDirectory) || !Path.IsPathFullyQualified(options.DataDirectory))
        {
            failures.Add($"Workspaces:DataDirectory must be an absolute path (got '{options.DataDirectory}').");
        }

        if (options.IdleTimeout < TimeSpan.FromMinutes(1) || options.IdleTimeout > TimeSpan.FromDays(7))
        {
            failures.Add($"Workspaces:IdleTimeout must be between 00:01:00 and 7.00:00:00 (got {options.IdleTimeout}).");
        }

        if (options.ReconcileInterval < TimeSpan.FromMilliseconds(100) || options.ReconcileInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Workspaces:ReconcileInterval must be between 00:00:00.1 and 00:05:00 (got {options.ReconcileInterval}).");
        }

        if (options.Editor.SoftLimitBytes < 1024 || options.Editor.HardLimitBytes < options.Editor.SoftLimitBytes || options.Editor.HardLimitBytes > 1024L * 1024 * 1024)
        {
            failures.Add($"Workspaces:Editor:SoftLimitBytes must be at least 1024 and Workspaces:Editor:HardLimitBytes between it and 1 GiB (got {options.Editor.SoftLimitBytes} and {options.Editor.HardLimitBytes}).");
        }

        if (Shared.Repositories.RepositoryNetwork.Problem(options.Repositories.AllowedHosts, options.Repositories.AllowedNetworks) is { } network)
        {
            failures.Add($"Workspaces:Repositories:AllowedHosts and AllowedNetworks: {network}.");
        }

        if (options.Languages.IdleTimeout < TimeSpan.FromSeconds(10) || options.Languages.RequestTimeout < TimeSpan.FromSeconds(1) || options.Languages.RequestTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"Workspaces:Languages:IdleTimeout must be at least 00:00:10 and Workspaces:Languages:RequestTimeout between 00:00:01 and 00:10:00 (got {options.Languages.IdleTimeout} and {options.Languages.RequestTimeout}).");
        }

        foreach (var (serverName, row) in options.Languages.Servers)
        {
            if (row.Command is null || (row.Languages.Count == 0 && Shared.Languages.LanguageServerDefaults.LanguagesOf(serverName).Count == 0 && row.Command.Length > 0))
            {
                failures.Add($"Workspaces:Languages:Servers:{serverName} needs Command (empty turns the row off) and, for a name that is not a default row, Languages.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
