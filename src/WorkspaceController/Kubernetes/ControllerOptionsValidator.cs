using System.Text.RegularExpressions;
using k8s.Models;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Kubernetes;

public sealed partial class ControllerOptionsValidator : IValidateOptions<ControllerOptions>
{
    private const string S = ControllerOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, ControllerOptions options)
    {
        var failures = new List<string>();
        if (!DnsLabel().IsMatch(options.Namespace))
        {
            failures.Add($"{S}:Namespace must be a namespace name (got '{options.Namespace}'); in a pod it defaults to the pod's namespace.");
        }

        if (string.IsNullOrWhiteSpace(options.AgentImage))
        {
            failures.Add($"{S}:AgentImage must name the image holding the agent.");
        }

        if (string.IsNullOrWhiteSpace(options.DefaultWorkspaceImage))
        {
            failures.Add($"{S}:DefaultWorkspaceImage must name the toolchain image of workspaces that name none.");
        }

        if (options.ImagePullPolicy is not ("Always" or "IfNotPresent" or "Never"))
        {
            failures.Add($"{S}:ImagePullPolicy must be Always, IfNotPresent or Never (got '{options.ImagePullPolicy}').");
        }

        if (options.AgentPort is < 1024 or > 65535)
        {
            failures.Add($"{S}:AgentPort must be between 1024 and 65535: workspaces run as a non-root user (got {options.AgentPort}).");
        }

        if (!options.Classes.ContainsKey(options.DefaultClass))
        {
            failures.Add($"{S}:DefaultClass '{options.DefaultClass}' is not one of {S}:Classes ({string.Join(", ", options.Classes.Keys)}).");
        }

        foreach (var (className, c) in options.Classes)
        {
            foreach (var (key, value) in new[] { ("CpuRequest", c.CpuRequest), ("CpuLimit", c.CpuLimit), ("MemoryRequest", c.MemoryRequest), ("MemoryLimit", c.MemoryLimit), ("Storage", c.Storage), ("EphemeralStorageRequest", c.EphemeralStorageRequest ?? "1"), ("EphemeralStorageLimit", c.EphemeralStorageLimit ?? "1") })
            {
                if (!IsQuantity(value))
                {
                    failures.Add($"{S}:Classes:{className}:{key} must be a Kubernetes quantity such as 500m or 2Gi (got '{value}').");
                }
            }
        }

        if (options.WebPodLabels.Count == 0)
        {
            failures.Add($"{S}:WebPodLabels must name the labels of the web app's pods: only they may reach a workspace.");
        }

        var telemetry = options.AgentTelemetry;
        if (telemetry.OtlpProtocol is not (null or "Grpc" or "HttpProtobuf"))
        {
            failures.Add($"{S}:AgentTelemetry:OtlpProtocol must be Grpc or HttpProtobuf (got '{telemetry.OtlpProtocol}').");
        }

        if (telemetry.LogFormat is not (null or "Plain" or "Json"))
        {
            failures.Add($"{S}:AgentTelemetry:LogFormat must be Plain or Json (got '{telemetry.LogFormat}').");
        }

        if (telemetry.Port is < 1 or > 65535)
        {
            failures.Add($"{S}:AgentTelemetry:Port must be the collector pods' port, 1 to 65535 (got {telemetry.Port}).");
        }

        foreach (var cidr in options.BlockedCidrs)
        {
            if (!System.Net.IPNetwork.TryParse(cidr, out var network))
            {
                failures.Add($"{S}:BlockedCidrs: '{cidr}' is not a CIDR such as 10.0.0.0/8 or fd00::/8 (no host bits after the prefix).");
            }
            else if (network.PrefixLength == 0)
            {
                failures.Add($"{S}:BlockedCidrs: '{cidr}' blocks a whole address family; set AllowInternet to false instead.");
            }
        }

        foreach (var cidr in options.Dns.Cidrs)
        {
            if (!System.Net.IPNetwork.TryParse(cidr, out _))
            {
                failures.Add($"{S}:Dns:Cidrs: '{cidr}' is not a CIDR such as 169.254.20.10/32.");
            }
        }

        if (options.Dns.PodLabels.Count == 0 || !DnsLabel().IsMatch(options.Dns.Namespace))
        {
            failures.Add($"{S}:Dns must name the cluster DNS's namespace and pod labels (default kube-system, k8s-app=kube-dns): workspaces may send DNS queries nowhere else.");
        }

        if (!SealedCredentials.IsValidKey(options.CredentialKey))
        {
            failures.Add($"{S}:CredentialKey must be 32 random bytes in base64 (the chart generates it; the web app has the same).");
        }

        if (options.Workers is < 1 or > 64)
        {
            failures.Add($"{S}:Workers must be between 1 and 64 (got {options.Workers}).");
        }

        if (options.BaseBackoff <= TimeSpan.Zero || options.MaxBackoff < options.BaseBackoff || options.MaxBackoff > TimeSpan.FromHours(1))
        {
            failures.Add($"{S}:BaseBackoff must be positive and MaxBackoff between it and 01:00:00 (got {options.BaseBackoff} and {options.MaxBackoff}).");
        }

        if (options.StartTimeout < TimeSpan.FromSeconds(30) || options.StartTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"{S}:StartTimeout must be between 00:00:30 and 01:00:00 (got {options.StartTimeout}).");
        }

        if (options.CrashLoopLimit is < 1 or > 100)
        {
            failures.Add($"{S}:CrashLoopLimit must be between 1 and 100 pod failures (got {options.CrashLoopLimit}).");
        }

        if (options.CrashLoopWindow < TimeSpan.FromSeconds(10) || options.CrashLoopWindow > TimeSpan.FromDays(1))
        {
            failures.Add($"{S}:CrashLoopWindow must be between 00:00:10 and 1.00:00:00 (got {options.CrashLoopWindow}).");
        }

        if (options.ResyncPeriod < TimeSpan.FromSeconds(1) || options.ResyncPeriod > TimeSpan.FromHours(1))
        {
            failures.Add($"{S}:ResyncPeriod must be between 00:00:01 and 01:00:00 (got {options.ResyncPeriod}).");
        }

        var le = options.LeaderElection;
        if (le.Enabled && (le.RetryPeriod <= TimeSpan.Zero || le.RenewDeadline <= le.RetryPeriod || le.LeaseDuration <= le.RenewDeadline))
        {
            failures.Add($"{S}:LeaderElection needs 0 < RetryPeriod < RenewDeadline < LeaseDuration (got {le.RetryPeriod}, {le.RenewDeadline}, {le.LeaseDuration}).");
        }

        failures.AddRange(ClusterAccess.ClusterAccessOptionsValidator.Problems(options));
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsQuantity(string value)
    {
        try
        {
            _ = new ResourceQuantity(value).ToDecimal();
            return !string.IsNullOrWhiteSpace(value);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return false;
        }
    }

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")]
    private static partial Regex DnsLabel();
}
