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

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
