using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Kubernetes.Runtime;

/// <summary>Settings of the web app's Kubernetes runtime (section <c>Workspaces:Runtime:Kubernetes</c>).</summary>
public sealed class KubernetesRuntimeOptions
{
    public const string SectionName = "Workspaces:Runtime:Kubernetes";

    /// <summary>Where the web app creates Workspace resources (the controller's namespace). Defaults to the pod's namespace.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>The key shared with the controller that seals each workspace's credentials (base64, 32 bytes).</summary>
    public string CredentialKey { get; set; } = "";

    /// <summary>The workspace class of new workspaces; empty means the controller's default.</summary>
    public string? WorkspaceClass { get; set; }

    /// <summary>How long a start may take (scheduling, volume, image pull, clone, agent) before it fails.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a stop or delete is awaited before the caller moves on (the controller finishes it regardless).</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Keep a deleted workspace's volume (its files) for an administrator to recover.</summary>
    public bool KeepVolumeOnDelete { get; set; }
}

public sealed partial class KubernetesRuntimeOptionsValidator : IValidateOptions<KubernetesRuntimeOptions>
{
    private const string S = KubernetesRuntimeOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, KubernetesRuntimeOptions options)
    {
        var failures = new List<string>();
        if (!DnsLabel().IsMatch(options.Namespace))
        {
            failures.Add($"{S}:Namespace must be a namespace name (got '{options.Namespace}'); in a pod it defaults to the pod's namespace.");
        }

        if (!SealedCredentials.IsValidKey(options.CredentialKey))
        {
            failures.Add($"{S}:CredentialKey must be 32 random bytes in base64, the same key the controller has (Workspaces:Controller:CredentialKey).");
        }

        if (!string.IsNullOrEmpty(options.WorkspaceClass) && !DnsLabel().IsMatch(options.WorkspaceClass))
        {
            failures.Add($"{S}:WorkspaceClass must be a class name such as standard (got '{options.WorkspaceClass}').");
        }

        if (options.StartTimeout < TimeSpan.FromSeconds(30) || options.StartTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{S}:StartTimeout must be between 00:00:30 and 01:00:00 (got {options.StartTimeout}).");
        }

        if (options.StopTimeout < TimeSpan.FromSeconds(1) || options.StopTimeout > TimeSpan.FromMinutes(30))
        {
            failures.Add($"{S}:StopTimeout must be between 00:00:01 and 00:30:00 (got {options.StopTimeout}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
