using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Telemetry.Otlp;

namespace Workspaces.Web.Tests.Telemetry;

/// <summary>
/// An OTLP collector in the test process: OpenTelemetry's protobuf over HTTP (<c>/v1/traces</c>, <c>/v1/metrics</c>,
/// <c>/v1/logs</c>) on a loopback port, keeping everything it receives, from every process that exports to it.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<(Resource Resource, Span Span)> _spans = new();
    private readonly ConcurrentQueue<Metric> _metrics = new();
    private readonly ConcurrentQueue<LogRecord> _logs = new();

    private OtlpReceiver(WebApplication app)
    {
        _app = app;
        app.MapPost("/v1/traces", context => ReceiveAsync(context, ExportTraceServiceRequest.Parser, request =>
        {
            foreach (var resource in request.ResourceSpans)
            {
                foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
                {
                    _spans.Enqueue((resource.Resource, span));
                }
            }
        }));
        app.MapPost("/v1/metrics", context => ReceiveAsync(context, ExportMetricsServiceRequest.Parser, request =>
        {
            foreach (var metric in request.ResourceMetrics.SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics))
            {
                _metrics.Enqueue(metric);
            }
        }));
        app.MapPost("/v1/logs", context => ReceiveAsync(context, ExportLogsServiceRequest.Parser, request =>
        {
            foreach (var log in request.ResourceLogs.SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords))
            {
                _logs.Enqueue(log);
            }
        }));
    }

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyCollection<(Resource Resource, Span Span)> Spans => _spans;

    public IReadOnlyCollection<Metric> Metrics => _metrics;

    public IReadOnlyCollection<LogRecord> Logs => _logs;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var receiver = new OtlpReceiver(builder.Build());
        await receiver._app.StartAsync();
        var address = receiver._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        receiver.Endpoint = new Uri(address);
        return receiver;
    }

    /// <summary>Waits until a span matching <paramref name="match"/> has arrived.</summary>
    public Task<Span> WaitForSpanAsync(Func<Resource, Span, bool> match, string what, TimeSpan timeout) =>
        Poll.UntilNotNullAsync(() => Task.FromResult<Span?>(_spans.FirstOrDefault(s => match(s.Resource, s.Span)).Span), timeout, what);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static async Task ReceiveAsync<T>(HttpContext context, MessageParser<T> parser, Action<T> keep)
        where T : IMessage<T>
    {
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body, context.RequestAborted);
        keep(parser.ParseFrom(body.ToArray()));
        // An empty Export*ServiceResponse: full success.
        context.Response.ContentType = "application/x-protobuf";
    }
}

/// <summary>Reading attributes of OTLP messages.</summary>
public static class OtlpAttributes
{
    public static string? Get(this IEnumerable<KeyValue> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key)?.Value is { } value
            ? value.ValueCase switch
            {
                AnyValue.ValueOneofCase.StringValue => value.StringValue,
                AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
                AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
                _ => value.ToString(),
            }
            : null;

    public static string Hex(this ByteString bytes) => Convert.ToHexStringLower(bytes.Span);
}
