using Microsoft.Extensions.Options;

namespace Workspaces.Web.Workspaces;

public sealed class WorkspacesOptionsValidator : IValidateOptions<WorkspacesOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkspacesOptions options)
    {
        var failures = new List<string>();
        if (options.IdleTimeout < TimeSpan.FromMinutes(1) || options.IdleTimeout > TimeSpan.FromDays(7))
        {
            failures.Add($"Workspaces:IdleTimeout must be between 00:01:00 and 7.00:00:00 (got {options.IdleTimeout}).");
        }

        if (options.ReconcileInterval < TimeSpan.FromMilliseconds(100) || options.ReconcileInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"Workspaces:ReconcileInterval must be between 00:00:00.1 and 00:05:00 (got {options.ReconcileInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
