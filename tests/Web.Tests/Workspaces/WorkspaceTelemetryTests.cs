using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Infrastructure;
using Workspaces.Web.Tests.Telemetry;
using Workspaces.Web.Tests.Telemetry.Otlp;
using Metric = Workspaces.Web.Tests.Telemetry.Otlp.Metric;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>
/// What an operator's collector and Prometheus see of workspace starts: the web app (and the agents it starts) export
/// OTLP to a receiver in the test process; /metrics is scraped and parsed as Prometheus text.
/// </summary>
/// <remarks>
/// Alone in the process (<see cref="TelemetryCollection"/>): OpenTelemetry's meter provider subscribes to meters by name,
/// so with other test apps alive in the same process this app's <c>/metrics</c> also showed their <c>Workspaces.Web</c>
/// instruments (a Kubernetes app's running gauge) in place of its own. A server process has one app.
/// </remarks>
[Collection(TelemetryCollection.Name)]
public sealed class WorkspaceTelemetryTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly GitRepositoryFixture _repositories = new();
    private OtlpReceiver _receiver = null!;
    private TestApp _app = null!;
    private ApiClient _api = null!;

    public async Task InitializeAsync()
    {
        _receiver = await OtlpReceiver.StartAsync();
        _app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Workspaces:Telemetry:OtlpEndpoint"] = _receiver.Endpoint.AbsoluteUri,
            ["Workspaces:Telemetry:OtlpProtocol"] = "HttpProtobuf",
            ["Workspaces:Telemetry:Prometheus:Enabled"] = "true",
        });
        _api = await _app.CreateAdministratorAsync();
    }

    public async Task DisposeAsync()
    {
        _api.Dispose();
        await _app.DisposeAsync();
        await _receiver.DisposeAsync();
        _repositories.Dispose();
    }

    [Fact]
    public async Task WorkspaceStart_CloneFails_FailureCounterCarriesTheReasonTheUserSees()
    {
        using var notARepository = TempDirectory.Create("not-a-repo");
        var id = (await _api.CreateWorkspaceAsync(new Uri(notARepository.Path + "/").AbsoluteUri)).Id;
        var details = await _api.WaitUntilSettledAsync(id, timeout: Timeout);
        Assert.Equal(WorkspacePhase.Failed, details.Workspace.Phase);
        var reason = details.Workspace.Error!.Code.ToString();
        Flush();

        var failures = await WaitForMetricAsync("workspaces.start.failures", m => m.Sum?.DataPoints.Any(p => p.Attributes.Get("workspaces.reason") == reason) == true);
        Assert.True(failures.Sum.IsMonotonic);
        Assert.True(failures.Sum.DataPoints.First(p => p.Attributes.Get("workspaces.reason") == reason).AsInt >= 1);
        var start = await _receiver.WaitForSpanAsync((_, s) => s.Name == "workspace.start" && s.Attributes.Get("workspaces.workspace.id") == id, "the failed start's span", Timeout);
        Assert.Equal(2, start.Status.Code); // STATUS_CODE_ERROR
        Assert.Equal(reason, start.Attributes.Get("workspaces.reason"));
    }

    [Fact]
    public async Task WorkspaceStart_Ready_PhaseSpansOfTheWebAppAndTheAgentShareOneTraceAndTheStartIsTimed()
    {
        var repository = await _repositories.CreateAsync($"traced-{Guid.NewGuid():N}");
        var id = (await _api.CreateWorkspaceAsync(repository.FileUrl)).Id;
        await _api.WaitUntilReadyAsync(id, timeout: Timeout);
        Flush();

        var start = await _receiver.WaitForSpanAsync((_, s) => s.Name == "workspace.start" && s.Attributes.Get("workspaces.workspace.id") == id, "the start's span", Timeout);
        Assert.Equal("ready", start.Attributes.Get("workspaces.outcome"));
        var trace = start.TraceId.Hex();
        // The web app's phases, and the agent's own work in its process (it exports to the same collector, told by the bootstrap).
        foreach (var name in new[] { "workspace.phase queued", "workspace.phase starting_agent", "workspace.phase cloning", "agent.clone" })
        {
            var span = await _receiver.WaitForSpanAsync((_, s) => s.Name == name && s.TraceId.Hex() == trace, $"span '{name}' in the start's trace", Timeout);
            Assert.True(span.EndTimeUnixNano >= span.StartTimeUnixNano, $"{name} ends after it starts");
        }

        var agentClone = _receiver.Spans.First(s => s.Span.Name == "agent.clone" && s.Span.TraceId.Hex() == trace);
        Assert.NotEqual(
            _receiver.Spans.First(s => s.Span.Name == "workspace.start" && s.Span.TraceId.Hex() == trace).Resource.Attributes.Get("service.name"),
            agentClone.Resource.Attributes.Get("service.name"));
        var durations = await WaitForMetricAsync("workspaces.start.duration", m => m.Histogram?.DataPoints.Any(p => p.Attributes.Get("workspaces.outcome") == "ready") == true);
        Assert.Contains(durations.Histogram.DataPoints, p => p.Attributes.Get("workspaces.outcome") == "ready" && p.Count >= 1 && p.Sum > 0);
    }

    [Fact]
    public async Task MetricsEndpoint_AfterAStart_ServesPrometheusTextWithOurNamesAndUnits()
    {
        var repository = await _repositories.CreateAsync($"scraped-{Guid.NewGuid():N}");
        var id = (await _api.CreateWorkspaceAsync(repository.FileUrl)).Id;
        await _api.WaitUntilReadyAsync(id, timeout: Timeout);

        using var scraper = _app.CreateHttpClient();
        var last = "";
        var samples = await Poll.UntilNotNullAsync(
            async () =>
            {
                var text = last = await scraper.GetStringAsync(new Uri("/metrics", UriKind.Relative));
                var parsed = PrometheusText.Parse(text);
                // The running gauge is read at scrape time and only by the leading replica, so it may trail the start's count by a scrape.
                return parsed.Any(s => s.Name == "workspaces_start_duration_seconds_count" && s.Labels.GetValueOrDefault("workspaces_outcome") == "ready")
                    && parsed.Any(s => s.Name == "workspaces_running" && s.Value >= 1) ? parsed : null;
            },
            Timeout,
            "/metrics to count a ready start and a running workspace")
            .WaitAsync(Timeout * 2)
            .ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : throw new Xunit.Sdk.XunitException($"{t.Exception?.InnerException?.Message}\nLast scrape:\n{string.Join('\n', last.Split('\n').Where(l => l.StartsWith("workspaces_st", StringComparison.Ordinal) || l.StartsWith("workspaces_running", StringComparison.Ordinal)))}"), TaskScheduler.Default);

        Assert.True(samples.Single(s => s.Name == "workspaces_start_duration_seconds_count" && s.Labels["workspaces_outcome"] == "ready").Value >= 1);
        Assert.Contains(samples, s => s.Name == "workspaces_start_duration_seconds_bucket" && s.Labels.ContainsKey("le"));
        Assert.Contains(samples, s => s.Name == "workspaces_starts_total" && s.Labels.GetValueOrDefault("workspaces_outcome") == "ready" && s.Labels.GetValueOrDefault("workspaces_from_prebuild") == "false");
        Assert.Contains(samples, s => s.Name == "workspaces_running" && s.Value >= 1);
    }

    private void Flush()
    {
        _app.Services.GetRequiredService<TracerProvider>().ForceFlush();
        _app.Services.GetRequiredService<MeterProvider>().ForceFlush();
    }

    private Task<Metric> WaitForMetricAsync(string name, Func<Metric, bool> match) =>
        Poll.UntilNotNullAsync(
            () =>
            {
                Flush();
                return Task.FromResult(_receiver.Metrics.LastOrDefault(m => m.Name == name && match(m)));
            },
            Timeout,
            $"metric {name}");
}

/// <summary>The Prometheus text exposition format, as far as a scraper needs it: one sample per line.</summary>
internal static class PrometheusText
{
    public static List<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith('#'))
            {
                continue;
            }

            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            var brace = line.IndexOf('{', StringComparison.Ordinal);
            string name;
            if (brace >= 0)
            {
                name = line[..brace];
                var close = line.LastIndexOf('}');
                foreach (var pair in SplitLabels(line[(brace + 1)..close]))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..eq]] = pair[(eq + 2)..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
                }
            }
            else
            {
                name = line[..line.IndexOf(' ', StringComparison.Ordinal)];
            }

            // A timestamp may follow the value: the value is the first number after the name and labels.
            var rest = line[(brace >= 0 ? line.LastIndexOf('}') + 1 : name.Length)..].Trim().Split(' ');
            samples.Add(new Sample(name, labels, double.Parse(rest[0], NumberStyles.Float, CultureInfo.InvariantCulture)));
        }

        return samples;
    }

    private static IEnumerable<string> SplitLabels(string labels)
    {
        var start = 0;
        var quoted = false;
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] == '"' && (i == 0 || labels[i - 1] != '\\'))
            {
                quoted = !quoted;
            }
            else if (labels[i] == ',' && !quoted)
            {
                yield return labels[start..i];
                start = i + 1;
            }
        }

        if (start < labels.Length)
        {
            yield return labels[start..];
        }
    }

    internal sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry, alone in the process";
}
