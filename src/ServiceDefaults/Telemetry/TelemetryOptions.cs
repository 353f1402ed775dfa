namespace Workspaces.ServiceDefaults.Telemetry;

/// <summary><c>Workspaces:Telemetry</c>: where traces, metrics and logs go. Nothing is collected when nothing is set.</summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "Workspaces:Telemetry";

    /// <summary>
    /// The OTLP collector, e.g. <c>http://otel-collector:4317</c> (gRPC) or <c>http://otel-collector:4318</c> with
    /// <see cref="OtlpProtocol"/> <c>HttpProtobuf</c>. Empty: the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> if set,
    /// otherwise no OTLP export at all.
    /// </summary>
    public Uri? OtlpEndpoint { get; set; }

    public OtlpProtocol OtlpProtocol { get; set; } = OtlpProtocol.Grpc;

    public PrometheusOptions Prometheus { get; set; } = new();
}

public enum OtlpProtocol
{
    Grpc,
    HttpProtobuf,
}

/// <summary><c>Workspaces:Telemetry:Prometheus</c>: a scrape endpoint for the metrics.</summary>
public sealed class PrometheusOptions
{
    /// <summary>Serve <c>/metrics</c> in the Prometheus text format.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// A management port of its own for <c>/metrics</c> (all interfaces), so the app's own port need not be reachable
    /// by the scraper and the scraper never reaches the app. Null: the app's own port.
    /// </summary>
    public int? Port { get; set; }
}
