using Microsoft.Extensions.Options;

namespace Workspaces.WorkspaceController.Prebuilds;

public sealed class LocalSnapshotOptionsValidator : IValidateOptions<LocalSnapshotOptions>
{
    public ValidateOptionsResult Validate(string? name, LocalSnapshotOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Directory) || !Path.IsPathFullyQualified(options.Directory))
        {
            failures.Add($"{LocalSnapshotOptions.SectionName}:Directory must be an absolute path (got '{options.Directory}'); leave it empty for {{DataDirectory}}/prebuilds.");
        }

        if (!Enum.IsDefined(options.Mode))
        {
            failures.Add($"{LocalSnapshotOptions.SectionName}:Mode must be Auto, Reflink or Archive (got '{options.Mode}').");
        }

        if (options.CompressionLevel is < 1 or > 19)
        {
            failures.Add($"{LocalSnapshotOptions.SectionName}:CompressionLevel must be between 1 (fastest) and 19 (got {options.CompressionLevel}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
