using k8s;
using k8s.Exceptions;
using k8s.KubeConfigModels;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Local.Sandbox;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>
/// Checks the administrator's kubeconfig before anything uses it: the file, the context and what it names, the server's
/// address, and credentials that would run a command as the service (refused unless allowed). Reads the file only; it
/// never runs a credential plugin nor contacts the cluster (a cluster may start after the service). With the sandbox's
/// settings, it also refuses credentials that sandboxed workspaces could read (<see cref="KubeconfigExposure"/>).
/// </summary>
public sealed class LocalClusterAccessOptionsValidator(IOptions<SandboxOptions>? sandbox = null) : IValidateOptions<LocalClusterAccessOptions>
{
    private const string S = LocalClusterAccessOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, LocalClusterAccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = Problems(options).ToList();
        if (failures.Count == 0 && sandbox is not null)
        {
            failures.AddRange(KubeconfigExposure.Problems(options, sandbox.Value, SandboxNative.IsRoot));
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    public static IEnumerable<string> Problems(LocalClusterAccessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Configured)
        {
            if (!string.IsNullOrWhiteSpace(options.Context))
            {
                yield return $"{S}:Context is set but {S}:Kubeconfig is not: name the kubeconfig file that holds the context '{options.Context}'.";
            }

            yield break;
        }

        foreach (var problem in KubeconfigProblems(options))
        {
            yield return problem;
        }

        foreach (var (key, value) in options.DevNamespace.Quota.Concat(options.DevNamespace.DefaultLimits).Concat(options.DevNamespace.DefaultRequests))
        {
            if (!ClusterAccessOptionsValidator.IsQuantity(value))
            {
                yield return $"{S}:DevNamespace {key} must be a Kubernetes quantity such as 500m, 2Gi or 10 (got '{value}').";
            }
        }

        if (options.Ceiling.Any(r => r.ApiGroups.Count == 0 || r.Resources.Count == 0 || r.Verbs.Count == 0))
        {
            yield return $"{S}:Ceiling: every rule needs apiGroups, resources and verbs.";
        }

        if (options.ReservedNamespaces.Any(n => ClusterAccessPolicy.NamespaceProblem(n, []) is { } p && !p.Contains("reserved", StringComparison.Ordinal)))
        {
            yield return $"{S}:ReservedNamespaces must list namespace names (lowercase letters, digits and '-').";
        }

        if (options.TokenLifetime < TimeSpan.FromMinutes(10) || options.TokenLifetime > TimeSpan.FromHours(24))
        {
            yield return $"{S}:TokenLifetime must be between 00:10:00 (Kubernetes' minimum) and 24:00:00 (got {options.TokenLifetime}).";
        }

        if (options.StuckAfter < TimeSpan.FromSeconds(10))
        {
            yield return $"{S}:StuckAfter must be at least 00:00:10 (got {options.StuckAfter}).";
        }

        if (options.RequestTimeout < TimeSpan.FromSeconds(1) || options.RequestTimeout > TimeSpan.FromMinutes(2))
        {
            yield return $"{S}:RequestTimeout must be between 00:00:01 and 00:02:00 (got {options.RequestTimeout}).";
        }

        if (options.CheckInterval < TimeSpan.FromSeconds(1) || options.CheckInterval > TimeSpan.FromMinutes(5))
        {
            yield return $"{S}:CheckInterval must be between 00:00:01 and 00:05:00 (got {options.CheckInterval}).";
        }
    }

    private static IEnumerable<string> KubeconfigProblems(LocalClusterAccessOptions options)
    {
        if (!Path.IsPathFullyQualified(options.Kubeconfig) || !File.Exists(options.Kubeconfig))
        {
            yield return $"{S}:Kubeconfig '{options.Kubeconfig}' does not exist: name the administrator's kubeconfig file by its absolute path (kind and k3d write ~/.kube/config).";
            yield break;
        }

        K8SConfiguration config;
        string? unreadable = null;
        try
        {
            config = KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(options.Kubeconfig));
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or YamlDotNet.Core.YamlException or ArgumentException)
        {
            config = null!;
            unreadable = e.Message;
        }

        if (unreadable is not null)
        {
            yield return $"{S}:Kubeconfig '{options.Kubeconfig}' cannot be read as a kubeconfig: {unreadable}";
            yield break;
        }

        var contextName = string.IsNullOrWhiteSpace(options.Context) ? config.CurrentContext : options.Context;
        var contexts = config.Contexts?.ToList() ?? [];
        if (string.IsNullOrWhiteSpace(contextName))
        {
            yield return $"{S}:Context: '{options.Kubeconfig}' has no current-context; name one of its contexts ({Names(contexts.Select(c => c.Name))}).";
            yield break;
        }

        var context = contexts.FirstOrDefault(c => c.Name == contextName);
        if (context?.ContextDetails is null)
        {
            yield return $"{S}:Context '{contextName}' is not in '{options.Kubeconfig}'; it has {Names(contexts.Select(c => c.Name))}.";
            yield break;
        }

        var cluster = config.Clusters?.FirstOrDefault(c => c.Name == context.ContextDetails.Cluster);
        if (cluster?.ClusterEndpoint is null)
        {
            yield return $"{S}:Context '{contextName}' names the cluster '{context.ContextDetails.Cluster}', which is not in '{options.Kubeconfig}'.";
            yield break;
        }

        var server = cluster.ClusterEndpoint.Server;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            yield return $"{S}:Context '{contextName}': the cluster's server must be an https:// URL (got '{server}').";
        }
        else if (url.Scheme == Uri.UriSchemeHttp && !LocalCluster.IsLoopback(url))
        {
            yield return $"{S}:Context '{contextName}': the cluster's server '{server}' is plain http on another machine; workspace tokens would cross the network unencrypted. Use its https:// address.";
        }

        if (cluster.ClusterEndpoint.CertificateAuthority is { Length: > 0 } ca && !File.Exists(Path.Combine(Path.GetDirectoryName(options.Kubeconfig)!, ca)))
        {
            yield return $"{S}:Context '{contextName}': the cluster's certificate-authority '{ca}' does not exist.";
        }

        var user = config.Users?.FirstOrDefault(u => u.Name == context.ContextDetails.User);
        if (!string.IsNullOrEmpty(context.ContextDetails.User) && user is null)
        {
            yield return $"{S}:Context '{contextName}' names the user '{context.ContextDetails.User}', which is not in '{options.Kubeconfig}'.";
        }
        else if (!options.AllowCredentialPlugins && user?.UserCredentials is { } credentials)
        {
            if (credentials.ExternalExecution is { } exec)
            {
                yield return $"{S}:Context '{contextName}': the user '{user.Name}' gets its credentials by running '{exec.Command}' (an exec credential plugin). The service would run it as its own user; use a context with a certificate or token (kind and k3d write one), or set {S}:AllowCredentialPlugins=true to accept that.";
            }

            if (credentials.AuthProvider is { } provider)
            {
                yield return $"{S}:Context '{contextName}': the user '{user.Name}' uses the auth-provider '{provider.Name}', which may run a command as the service. Use a context with a certificate or token, or set {S}:AllowCredentialPlugins=true to accept that.";
            }
        }
    }

    private static string Names(IEnumerable<string> names)
    {
        var list = names.Where(n => !string.IsNullOrEmpty(n)).Select(n => $"'{n}'").ToList();
        return list.Count == 0 ? "no contexts" : "the contexts " + string.Join(", ", list);
    }
}
