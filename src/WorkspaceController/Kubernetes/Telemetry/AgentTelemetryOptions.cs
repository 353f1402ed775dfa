using k8s.Models;
using Microsoft.Extensions.Configuration;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceController.Kubernetes.Telemetry;

/// <summary>
/// Where the agents in workspace pods send traces, metrics and logs (section <c>Workspaces:Controller:AgentTelemetry</c>).
/// Unset, the controller hands on its own <c>Workspaces:Telemetry</c> settings, as the web app does for local agents.
/// </summary>
public sealed class AgentTelemetryOptions
{
    /// <summary>The OTLP collector the agents export to; null: the controller's own, or none.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary><c>Grpc</c> or <c>HttpProtobuf</c>; null: the controller's own, else <c>Grpc</c>.</summary>
    public string? OtlpProtocol { get; set; }

    /// <summary>The agents' console format, <c>Plain</c> or <c>Json</c>; null: the agent's default.</summary>
    public string? LogFormat { get; set; }

    /// <summary>The collector's namespace; empty: the controller's.</summary>
    public string Namespace { get; set; } = "";

    /// <summary>
    /// The collector's pods. A collector in the cluster is in the networks workspaces are blocked from, so their
    /// NetworkPolicy lets them reach these pods on <see cref="Port"/>; none: no rule (a collector outside the cluster is
    /// reached as the internet is).
    /// </summary>
    public Dictionary<string, string> PodLabels { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The collector pods' port (a NetworkPolicy matches the pod's port, not a Service's); null: the endpoint's.</summary>
    public int? Port { get; set; }

    /// <summary>The controller's own settings where these name none.</summary>
    public void InheritFrom(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (OtlpEndpoint is null && Uri.TryCreate(configuration["Workspaces:Telemetry:OtlpEndpoint"], UriKind.Absolute, out var endpoint))
        {
            OtlpEndpoint = endpoint;
        }

        // The controller's own settings bind case-insensitively (they are enums there): hand them on in their one spelling.
        OtlpProtocol = Canonical(OtlpProtocol ?? configuration["Workspaces:Telemetry:OtlpProtocol"], "Grpc", "HttpProtobuf") ?? "Grpc";
        LogFormat = Canonical(LogFormat ?? configuration["Workspaces:Logging:Format"], "Plain", "Json");
    }

    private static string? Canonical(string? value, params string[] names) =>
        value is null ? null : names.FirstOrDefault(n => string.Equals(n, value, StringComparison.OrdinalIgnoreCase)) ?? value;

    /// <summary>What the agent of <paramref name="workspace"/> is told: these settings and its start's trace.</summary>
    public AgentTelemetry? For(WorkspaceResource workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        string? traceParent = null;
        workspace.Metadata.Annotations?.TryGetValue(Controller.ControllerTelemetry.TraceParentAnnotation, out traceParent);
        return OtlpEndpoint is null && LogFormat is null ? null
            : new AgentTelemetry(OtlpEndpoint, OtlpEndpoint is null ? null : OtlpProtocol ?? "Grpc", OtlpEndpoint is null ? null : traceParent, LogFormat);
    }

    /// <summary>Egress to the collector's pods, when there is an endpoint and the pods are named; null otherwise.</summary>
    public V1NetworkPolicyEgressRule? Egress(string controllerNamespace)
    {
        if (OtlpEndpoint is null || PodLabels.Count == 0)
        {
            return null;
        }

        return Resources.WorkspaceResourceBuilder.PodsEgress(string.IsNullOrEmpty(Namespace) ? controllerNamespace : Namespace, PodLabels, Port ?? OtlpEndpoint.Port);
    }
}
