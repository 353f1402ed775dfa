namespace Workspaces.ServiceDefaults;

/// <summary>Who is reporting: the OpenTelemetry resource of a process.</summary>
/// <param name="Name">The service name, e.g. <c>workspaces-web</c>.</param>
/// <param name="TraceRequestsWithoutParent">
/// Whether an incoming request with no trace context starts a trace: yes where people make requests (the web app), no
/// where only our own processes call (the agent), whose parentless requests are polls.
/// </param>
public sealed record ServiceIdentity(string Name, bool TraceRequestsWithoutParent = true)
{
    public string? Version { get; init; } = typeof(ServiceIdentity).Assembly.GetName().Version?.ToString();

    /// <summary>Tells replicas apart (the pod name in Kubernetes, else the machine name).</summary>
    public string InstanceId { get; init; } = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName;
}
