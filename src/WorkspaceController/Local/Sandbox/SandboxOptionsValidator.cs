using Microsoft.Extensions.Options;

namespace Workspaces.WorkspaceController.Local.Sandbox;

public sealed class SandboxOptionsValidator : IValidateOptions<SandboxOptions>
{
    public ValidateOptionsResult Validate(string? name, SandboxOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!Enum.IsDefined(options.Isolation))
        {
            failures.Add($"{SandboxOptions.IsolationKey} must be Sandbox or None (got '{options.Isolation}').");
        }

        var sandbox = options.Sandbox;
        if (sandbox.FirstUid < 1000 || sandbox.UidCount < 1 || (long)sandbox.FirstUid + sandbox.UidCount > int.MaxValue)
        {
            failures.Add($"Workspaces:Sandbox:FirstUid must be 1000 or more and Workspaces:Sandbox:UidCount at least 1 (got {sandbox.FirstUid} and {sandbox.UidCount}).");
        }

        foreach (var path in sandbox.ReadOnlyPaths.Concat(sandbox.HiddenPaths))
        {
            if (!Path.IsPathFullyQualified(path) || path.TrimEnd('/').Length == 0)
            {
                failures.Add($"Workspaces:Sandbox:ReadOnlyPaths and HiddenPaths take absolute paths other than '/' (got '{path}').");
            }
        }

        foreach (var port in sandbox.HostLoopbackPorts)
        {
            if (port is < 1 or > 65535)
            {
                failures.Add($"Workspaces:Sandbox:HostLoopbackPorts takes TCP ports from 1 to 65535 (got {port}).");
            }
        }

        foreach (var (key, path) in new[] { ("BubblewrapPath", sandbox.BubblewrapPath), ("PastaPath", sandbox.PastaPath), ("SetprivPath", sandbox.SetprivPath), ("UnsharePath", sandbox.UnsharePath), ("ShellPath", sandbox.ShellPath) })
        {
            if (!Path.IsPathFullyQualified(path))
            {
                failures.Add($"Workspaces:Sandbox:{key} must be an absolute path (got '{path}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
