using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Workspaces.ServiceDefaults.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>Every meter and activity source of ours starts with this: <c>Workspaces.Web</c>, <c>Workspaces.Agent</c>, …</summary>
    public const string SourcePrefix = "Workspaces.";

    /// <summary>The scrape path on the app's port or the management port.</summary>
    public const string MetricsPath = "/metrics";

    private const string StandardOtlpEndpointKey = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>
    /// OpenTelemetry when something consumes it: OTLP (traces, metrics, logs) when an endpoint is configured, Prometheus
    /// (metrics) when enabled. Neither: nothing is registered, so meters and activity sources have no listener and every
    /// instrument call returns at its first check.
    /// </summary>
    public static IHostApplicationBuilder AddTelemetry(this IHostApplicationBuilder builder, ServiceIdentity service)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(service);
        var section = builder.Configuration.GetSection(TelemetryOptions.SectionName);
        builder.Services.AddOptions<TelemetryOptions>().Bind(section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();

        // What to register depends on the settings, so they are read (and checked) now rather than at the first resolve.
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        var validation = new TelemetryOptionsValidator().Validate(null, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(TelemetryOptions.SectionName, typeof(TelemetryOptions), validation.Failures);
        }

        var standardEndpoint = builder.Configuration[StandardOtlpEndpointKey];
        var otlp = options.OtlpEndpoint is not null || !string.IsNullOrWhiteSpace(standardEndpoint);
        var prometheus = options.Prometheus.Enabled;
        builder.Services.AddSingleton(new TelemetryState(otlp, prometheus, options.Prometheus.Port));
        if (!otlp && !prometheus)
        {
            return builder;
        }

        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(service.Name, serviceVersion: service.Version, serviceInstanceId: service.InstanceId))
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(SourcePrefix + "*", "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime");
                if (prometheus && options.Prometheus.Port is { } port)
                {
                    metrics.AddPrometheusHttpListener(listener =>
                    {
                        listener.Host = "*";
                        listener.Port = port;
                    });
                }
                else if (prometheus)
                {
                    metrics.AddPrometheusExporter();
                }
            });
        if (!otlp)
        {
            return builder;
        }

        telemetry
            .WithTracing(tracing => tracing
                .SetSampler(new ParentBasedSampler(new RootSampler(service.TraceRequestsWithoutParent)))
                .AddSource(SourcePrefix + "*")
                .AddAspNetCoreInstrumentation(aspnet => aspnet.Filter = context => !IsProbeOrScrape(context.Request.Path))
                .AddHttpClientInstrumentation())
            .WithLogging(configureBuilder: null, configureOptions: logging =>
            {
                logging.IncludeScopes = true;
                logging.IncludeFormattedMessage = true;
            });
        if (options.OtlpEndpoint is { } endpoint)
        {
            telemetry.UseOtlpExporter(options.OtlpProtocol == OtlpProtocol.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc, endpoint);
        }
        else
        {
            // The standard OTEL_EXPORTER_OTLP_* variables (endpoint, protocol, headers) as the exporter reads them.
            telemetry.UseOtlpExporter();
        }

        return builder;
    }

    /// <summary><c>/metrics</c> on the app's own port, when Prometheus is enabled without a management port.</summary>
    public static IEndpointRouteBuilder MapTelemetryEndpoints(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var state = endpoints.ServiceProvider.GetRequiredService<TelemetryState>();
        if (state.Prometheus && state.PrometheusPort is null)
        {
            endpoints.MapPrometheusScrapingEndpoint(MetricsPath);
        }

        return endpoints;
    }

    internal static bool IsProbeOrScrape(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/alive") || path.StartsWithSegments(MetricsPath);

    /// <summary>
    /// Spans with no parent: outgoing HTTP calls are dropped (the watches' long polls would each be a trace of one span),
    /// and incoming requests are kept only where a person starts them (the web app), not in processes that only the
    /// web app calls (the agent), where a parentless request is a poll.
    /// </summary>
    private sealed class RootSampler(bool traceRequestsWithoutParent) : Sampler
    {
        public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
            samplingParameters.Kind switch
            {
                ActivityKind.Client => new SamplingResult(SamplingDecision.Drop),
                ActivityKind.Server when !traceRequestsWithoutParent => new SamplingResult(SamplingDecision.Drop),
                _ => new SamplingResult(SamplingDecision.RecordAndSample),
            };
    }
}

/// <summary>What <see cref="TelemetryExtensions.AddTelemetry"/> switched on.</summary>
public sealed record TelemetryState(bool Otlp, bool Prometheus, int? PrometheusPort)
{
    /// <summary>Whether spans are exported anywhere (else there is no trace context to pass on).</summary>
    public bool Tracing => Otlp;
}
