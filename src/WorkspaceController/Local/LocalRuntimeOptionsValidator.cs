using Microsoft.Extensions.Options;

namespace Workspaces.WorkspaceController.Local;

public sealed class LocalRuntimeOptionsValidator : IValidateOptions<LocalRuntimeOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalRuntimeOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.WorkspacesDirectory) || !Path.IsPathFullyQualified(options.WorkspacesDirectory))
        {
            failures.Add($"{LocalRuntimeOptions.SectionName}:WorkspacesDirectory must be an absolute path (got '{options.WorkspacesDirectory}').");
        }

        if (!File.Exists(options.AgentPath))
        {
            failures.Add($"{LocalRuntimeOptions.SectionName}:AgentPath: no agent executable at '{options.AgentPath}'. Build the solution (dotnet build) or set the path.");
        }

        if (options.StartTimeout <= TimeSpan.Zero || options.StartTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"{LocalRuntimeOptions.SectionName}:StartTimeout must be between 00:00:01 and 00:10:00 (got {options.StartTimeout}).");
        }

        if (options.StopGracePeriod < TimeSpan.Zero || options.StopGracePeriod > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{LocalRuntimeOptions.SectionName}:StopGracePeriod must be between 00:00:00 and 00:05:00 (got {options.StopGracePeriod}).");
        }

        if (options.DiskLimitBytes < 0)
        {
            failures.Add($"{LocalRuntimeOptions.SectionName}:DiskLimitBytes must be 0 (no limit) or positive.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
