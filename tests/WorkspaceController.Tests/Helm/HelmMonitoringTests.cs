using System.Text.Json.Nodes;
using Microsoft.Extensions.Configuration;
using Workspaces.WorkspaceController.Kubernetes;

namespace Workspaces.WorkspaceController.Tests.Helm;

/// <summary>The chart's optional monitoring objects and the preview proxy's own Deployment, rendered by the real helm.</summary>
public sealed class HelmMonitoringTests
{
    private static readonly string[] Monitoring =
    [
        "--set", "telemetry.prometheus.enabled=true",
        "--set", "telemetry.podMonitor.enabled=true",
        "--set", "telemetry.prometheusRule.enabled=true",
        "--set", "telemetry.grafanaDashboard.enabled=true",
        "--set", "telemetry.otlpEndpoint=http://otel-collector.monitoring:4317",
    ];

    [Fact]
    public void Template_Default_NoMonitoringObjectsAndNoMetricsPort()
    {
        var docs = HelmChart.Template();

        Assert.DoesNotContain(docs, d => (string?)d["kind"] is "PodMonitor" or "ServiceMonitor" or "PrometheusRule");
        Assert.DoesNotContain(docs, d => ((string?)d["metadata"]!["name"])!.EndsWith("-dashboard", StringComparison.Ordinal));
        Assert.All(HelmChart.Containers(docs), c => Assert.DoesNotContain(Ports(c.Container), p => (string?)p["name"] == "metrics"));
    }

    [Fact]
    public void Template_MonitoringOn_PodMonitorScrapesTheManagementPortOfEveryServiceProcess()
    {
        var docs = HelmChart.Template(Monitoring);

        var monitor = HelmChart.Find(docs, "PodMonitor", "rel-workspaces");
        var endpoint = Assert.Single(monitor["spec"]!["podMetricsEndpoints"]!.AsArray());
        Assert.Equal("metrics", (string?)endpoint!["port"]);
        Assert.Equal("/metrics", (string?)endpoint["path"]);
        var components = monitor["spec"]!["selector"]!["matchExpressions"]![0]!["values"]!.AsArray().Select(v => (string?)v).ToList();
        foreach (var component in new[] { "web", "preview-proxy", "controller" })
        {
            Assert.Contains(component, components);
            var deployment = HelmChart.Find(docs, "Deployment", $"-{component}");
            var container = (JsonObject)deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
            Assert.Contains(Ports(container), p => (string?)p["name"] == "metrics" && (long?)p["containerPort"] == 9464);
            var env = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"]);
            Assert.Equal("true", env["Workspaces__Telemetry__Prometheus__Enabled"]);
            Assert.Equal("9464", env["Workspaces__Telemetry__Prometheus__Port"]);
            Assert.Equal("http://otel-collector.monitoring:4317", env["Workspaces__Telemetry__OtlpEndpoint"]);
        }
    }

    [Fact]
    public void Template_MonitoringOn_RulesAlertOnStartP95AndFailureRateOfMetricsTheAppExports()
    {
        var docs = HelmChart.Template([.. Monitoring, "--set", "telemetry.prometheusRule.startP95Seconds=90"]);

        var rules = HelmChart.Find(docs, "PrometheusRule", "rel-workspaces")["spec"]!["groups"]![0]!["rules"]!.AsArray();
        var slow = rules.Single(r => (string?)r!["alert"] == "WorkspaceStartsSlow")!;
        Assert.Contains("histogram_quantile(0.95", (string)slow["expr"]!, StringComparison.Ordinal);
        Assert.Contains("workspaces_start_duration_seconds_bucket", (string)slow["expr"]!, StringComparison.Ordinal);
        Assert.EndsWith("> 90", ((string)slow["expr"]!).Trim(), StringComparison.Ordinal);
        var failing = rules.Single(r => (string?)r!["alert"] == "WorkspaceStartsFailing")!;
        Assert.Contains("workspaces_start_failures_total", (string)failing["expr"]!, StringComparison.Ordinal);
        Assert.Contains("workspaces_starts_total", (string)failing["expr"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_MonitoringOn_DashboardIsValidJsonQueryingOurMetrics()
    {
        var docs = HelmChart.Template(Monitoring);

        var map = HelmChart.Find(docs, "ConfigMap", "-dashboard");
        Assert.Equal("1", (string?)map["metadata"]!["labels"]!["grafana_dashboard"]);
        var dashboard = JsonNode.Parse((string)map["data"]!["workspaces.json"]!)!;
        var expressions = dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray()).Select(t => (string)t!["expr"]!).ToList();
        foreach (var metric in new[] { "workspaces_start_duration_seconds_bucket", "workspaces_start_phase_duration_seconds_bucket", "workspaces_start_failures_total", "workspaces_running", "workspaces_preview_request_duration_seconds_bucket", "workspaces_share_link_uses_total", "workspaces_controller_queue_depth" })
        {
            Assert.Contains(expressions, e => e.Contains(metric, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Template_PodMonitorWithoutPrometheus_FailsWithAMessage()
    {
        var (code, output) = HelmChart.Run(["template", "rel", HelmChart.ChartDirectory, "--set", "telemetry.podMonitor.enabled=true"]);

        Assert.NotEqual(0, code);
        Assert.Contains("telemetry.podMonitor.enabled needs telemetry.prometheus.enabled", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_Default_PreviewHostsGoToThePreviewProxyDeploymentWhichScalesOnCpu()
    {
        var docs = HelmChart.Template();

        var rules = HelmChart.Find(docs, "Ingress", "rel-workspaces")["spec"]!["rules"]!.AsArray();
        Assert.Equal("rel-workspaces-preview-proxy", (string?)rules.Single(r => ((string)r!["host"]!).StartsWith("*.", StringComparison.Ordinal))!["http"]!["paths"]![0]!["backend"]!["service"]!["name"]);
        Assert.Equal("rel-workspaces-web", (string?)rules.Single(r => !((string)r!["host"]!).StartsWith("*.", StringComparison.Ordinal))!["http"]!["paths"]![0]!["backend"]!["service"]!["name"]);

        var proxy = HelmChart.Find(docs, "Deployment", "-preview-proxy");
        var container = (JsonObject)proxy["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var env = container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => e);
        Assert.Equal("PreviewProxy", (string?)env["Workspaces__Hosting__Role"]!["value"]);
        Assert.Equal(
            (string?)HelmChart.Find(docs, "Deployment", "-web")["spec"]!["template"]!["spec"]!["containers"]![0]!["image"],
            (string?)container["image"]);
        Assert.Null(proxy["spec"]!["replicas"]); // the HPA owns it

        var hpa = HelmChart.Find(docs, "HorizontalPodAutoscaler", "-preview-proxy");
        Assert.Equal("rel-workspaces-preview-proxy", (string?)hpa["spec"]!["scaleTargetRef"]!["name"]);
        var metric = Assert.Single(hpa["spec"]!["metrics"]!.AsArray())!;
        Assert.Equal("cpu", (string?)metric["resource"]!["name"]);
        Assert.Equal(70L, (long?)metric["resource"]!["target"]!["averageUtilization"]);

        // Workspace pods accept the proxies: both carry the labels the controller's NetworkPolicies allow.
        var controllerConfig = JsonNode.Parse((string)HelmChart.Find(docs, "ConfigMap", "-controller")["data"]!["controller.json"]!)!;
        var allowed = controllerConfig["Workspaces"]!["Controller"]!["WebPodLabels"]!.AsObject();
        foreach (var component in new[] { "-web", "-preview-proxy" })
        {
            var labels = HelmChart.Find(docs, "Deployment", component)["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();
            Assert.All(allowed, label => Assert.Equal((string?)label.Value, (string?)labels[label.Key]));
        }
    }

    [Fact]
    public void Template_CollectorPodsNamed_ControllerLetsWorkspacePodsReachThemAndHandsTheEndpointOn()
    {
        var docs = HelmChart.Template([.. Monitoring, "--set", "telemetry.collector.namespace=monitoring", "--set", "telemetry.collector.podLabels.app\\.kubernetes\\.io/name=otel-collector"]);

        var json = (string)HelmChart.Find(docs, "ConfigMap", "-controller")["data"]!["controller.json"]!;
        var controller = HelmChart.Find(docs, "Deployment", "-controller")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        var env = controller["env"]!.AsArray().Where(e => e!["value"] is not null).ToDictionary(e => (string)e!["name"]!, e => (string?)e!["value"]);
        var configuration = new Microsoft.Extensions.Configuration.ConfigurationBuilder()
            .AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json)))
            .AddInMemoryCollection(env.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)))
            .Build();
        var options = Microsoft.Extensions.Configuration.ConfigurationBinder.Get<ControllerOptions>(configuration.GetSection(ControllerOptions.SectionName))!;
        options.AgentTelemetry.InheritFrom(configuration);

        Assert.Equal("monitoring", options.AgentTelemetry.Namespace);
        Assert.Equal("otel-collector", options.AgentTelemetry.PodLabels["app.kubernetes.io/name"]);
        Assert.Null(options.AgentTelemetry.Port);
        Assert.Equal(new Uri("http://otel-collector.monitoring:4317"), options.AgentTelemetry.OtlpEndpoint);
        Assert.Equal("Grpc", options.AgentTelemetry.OtlpProtocol);
        // The collector pods' port is the endpoint's unless the chart names another.
        Assert.Equal("4317", Assert.Single(options.AgentTelemetry.Egress("workspaces")!.Ports).Port.Value);
    }

    [Fact]
    public void Template_PreviewProxyDisabled_PreviewHostsGoToTheWebApp()
    {
        var docs = HelmChart.Template("--set", "previewProxy.enabled=false");

        Assert.DoesNotContain(docs, d => ((string?)d["metadata"]!["name"])!.EndsWith("-preview-proxy", StringComparison.Ordinal));
        var rules = HelmChart.Find(docs, "Ingress", "rel-workspaces")["spec"]!["rules"]!.AsArray();
        Assert.All(rules, r => Assert.Equal("rel-workspaces-web", (string?)r!["http"]!["paths"]![0]!["backend"]!["service"]!["name"]));
    }

    private static IEnumerable<JsonNode> Ports(JsonObject container) => container["ports"]?.AsArray().Select(p => p!) ?? [];
}
