using System.Diagnostics.Metrics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Options;
using Workspaces.Data.Workspaces;
using Workspaces.ServiceDefaults.Telemetry;
using Workspaces.Shared.Agent;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>What an operator who only scrapes Prometheus (no trace collector) sees of starts.</summary>
public sealed class WorkspaceStartMetricsTests
{
    [Fact]
    public void Ended_PrometheusOnlyNothingTraces_TheStartIsTimedAndCountedOnce()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meters = services.GetRequiredService<IMeterFactory>();
        using var telemetry = new WorkspaceTelemetry(meters, new ConfigurationBuilder().Build(), new TelemetryState(Otlp: false, Prometheus: true, PrometheusPort: null), Options.Create(new TelemetryOptions()), TimeProvider.System);
        using var starts = new MetricCollector<long>(meters, WorkspaceTelemetry.SourceName, "workspaces.starts");
        using var durations = new MetricCollector<double>(meters, WorkspaceTelemetry.SourceName, "workspaces.start.duration");
        var requested = new DateTimeOffset(2026, 12, 7, 16, 0, 0, TimeSpan.Zero);
        var start = new WorkspaceStart { WorkspaceId = "app-k3x9q2mz", RequestedAt = requested, LaunchedAt = requested.AddMilliseconds(20), ReadyAt = requested.AddSeconds(2) };

        using (telemetry.Launching(start.WorkspaceId, start.RequestedAt, start.LaunchedAt.Value))
        {
        }

        telemetry.Ended(start, WorkspacePhase.Ready, error: null, fromPrebuild: false);
        telemetry.Ended(start, WorkspacePhase.Ready, error: null, fromPrebuild: false);

        var counted = Assert.Single(starts.GetMeasurementSnapshot());
        Assert.Equal("ready", counted.Tags["workspaces.outcome"]);
        Assert.Equal(false, counted.Tags["workspaces.from_prebuild"]);
        Assert.Equal(2.0, Assert.Single(durations.GetMeasurementSnapshot()).Value, precision: 3);
    }
}
