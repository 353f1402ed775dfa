using System.Text.Json.Nodes;

namespace Workspaces.WorkspaceController.Tests.Helm;

/// <summary>The chart's prebuilds option: the web app's configuration and exactly the RBAC its snapshot storage needs.</summary>
public sealed class HelmPrebuildsTests
{
    [Fact]
    public void Template_Default_PrebuildsOffAndNoSnapshotRule()
    {
        var docs = HelmChart.Template();

        Assert.Equal("None", Env(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__Storage"));
        Assert.DoesNotContain(docs.SelectMany(d => d["rules"]?.AsArray() ?? []), r => Strings(r!["apiGroups"]).Contains("snapshot.storage.k8s.io"));
        // Only the uninstall hook may list and delete them (none exist without VolumeSnapshot prebuilds).
        Assert.DoesNotContain(
            docs.Where(d => (string?)d["metadata"]?["name"] is "rel-workspaces-web" or "rel-workspaces-controller").SelectMany(d => d["rules"]?.AsArray() ?? []),
            r => Strings(r!["resources"]).Any(x => x.StartsWith("workspacesnapshots", StringComparison.Ordinal)));
    }

    [Fact]
    public void Template_VolumeSnapshotClass_WebAsksThroughWorkspaceSnapshotsAndOnlyTheControllerTouchesVolumeSnapshots()
    {
        var docs = HelmChart.Template("--set", "prebuilds.volumeSnapshotClass=csi-hostpath-snapclass", "--set", "prebuilds.snapshotTimeout=00:05:00");

        Assert.Equal("VolumeSnapshot", Env(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__Storage"));
        Assert.Equal("csi-hostpath-snapclass", Env(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__VolumeSnapshotClass"));
        Assert.Equal("00:05:00", Env(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__SnapshotTimeout"));
        var rules = docs.Where(d => (string?)d["kind"] is "Role" or "ClusterRole")
            .SelectMany(role => (role["rules"]?.AsArray() ?? []).Select(rule => (Role: (string)role["metadata"]!["name"]!, Rule: rule!)))
            .ToList();
        var (roleName, rule) = Assert.Single(rules, x => Strings(x.Rule["apiGroups"]).Contains("snapshot.storage.k8s.io"));
        Assert.Equal("rel-workspaces-controller", roleName);
        Assert.Equal(["volumesnapshots"], Strings(rule["resources"]));
        Assert.Equal(["create", "delete", "get", "list", "patch", "watch"], Strings(rule["verbs"]).Order());
        var web = Assert.Single(rules, x => x.Role == "rel-workspaces-web" && Strings(x.Rule["resources"]).Any(r => r.StartsWith("workspacesnapshots", StringComparison.Ordinal)));
        Assert.Equal(["workspacesnapshots"], Strings(web.Rule["resources"]));
        Assert.Equal(["create", "delete", "get", "list"], Strings(web.Rule["verbs"]).Order());
        Assert.DoesNotContain(docs, d => (string?)d["kind"] is "ClusterRole" or "ClusterRoleBinding");
        var config = JsonNode.Parse((string)docs.Single(d => (string?)d["kind"] == "ConfigMap" && (string?)d["metadata"]!["name"] == "rel-workspaces-controller")["data"]!["controller.json"]!)!;
        Assert.Equal(true, (bool?)config["Workspaces"]!["Controller"]!["Snapshots"]!["Enabled"]);
    }

    [Fact]
    public void Template_VolumeSnapshotWithoutAClass_FailsSayingWhatToSet()
    {
        var (code, output) = HelmChart.Run("template", "rel", HelmChart.ChartDirectory, "--set", "prebuilds.storage=volumeSnapshot");

        Assert.NotEqual(0, code);
        Assert.Contains("prebuilds.volumeSnapshotClass", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Template_StorageNone_OffEvenWithAClass()
    {
        var docs = HelmChart.Template("--set", "prebuilds.storage=none", "--set", "prebuilds.volumeSnapshotClass=csi-hostpath-snapclass");

        Assert.Equal("None", Env(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__Storage"));
        Assert.DoesNotContain(docs.SelectMany(d => d["rules"]?.AsArray() ?? []), r => Strings(r!["apiGroups"]).Contains("snapshot.storage.k8s.io"));
    }

    [Fact]
    public void Template_MinioEnabled_ArchivesGoToTheChartsMinioWhichWorkspacesWithAPrebuildMayReach()
    {
        var docs = HelmChart.Template("--set", "prebuilds.minio.enabled=true");

        Assert.Equal("S3", Env(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__Storage"));
        Assert.Equal("http://rel-workspaces-minio.workspaces.svc.cluster.local:9000", Env(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__S3__ServiceUrl"));
        Assert.Equal("true", Env(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__S3__CreateBucket"));
        var secretKey = EnvEntry(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__S3__SecretKey")!["valueFrom"]!["secretKeyRef"]!;
        Assert.Equal("rel-workspaces-minio", (string?)secretKey["name"]);
        Assert.Equal("rootPassword", (string?)secretKey["key"]);
        Assert.NotNull(HelmChart.Find(docs, "StatefulSet", "-minio"));
        Assert.NotNull(HelmChart.Find(docs, "Service", "-minio"));
        var controller = JsonNode.Parse((string)HelmChart.Find(docs, "ConfigMap", "-controller")["data"]!["controller.json"]!)!;
        var store = controller["Workspaces"]!["Controller"]!["PrebuildStore"]!;
        Assert.Equal("minio", (string?)store["PodLabels"]!["app.kubernetes.io/component"]);
        Assert.Equal(9000, (int)store["Port"]!);
        // The agents move the bytes through presigned URLs: no RBAC, no store credential in a workspace.
        Assert.DoesNotContain(docs.SelectMany(d => d["rules"]?.AsArray() ?? []), r => Strings(r!["apiGroups"]).Contains("snapshot.storage.k8s.io"));
        Assert.Contains(HelmChart.Containers(docs), c => (string?)c.Container["name"] == "minio" && c.Container["resources"]?["limits"]?["memory"] is not null);
    }

    [Fact]
    public void Template_OwnObjectStore_CredentialsFromItsSecretAndNoMinio()
    {
        var docs = HelmChart.Template("--set", "prebuilds.storage=s3", "--set", "prebuilds.s3.endpoint=https://s3.example.com", "--set", "prebuilds.s3.existingSecret=store-keys");

        Assert.Equal("S3", Env(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__Storage"));
        Assert.Equal("https://s3.example.com", Env(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__S3__ServiceUrl"));
        Assert.Equal("store-keys", (string?)EnvEntry(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__S3__AccessKey")!["valueFrom"]!["secretKeyRef"]!["name"]);
        Assert.Null(EnvEntry(docs, "Workspaces__Runtime__Kubernetes__Prebuilds__S3__CreateBucket"));
        Assert.DoesNotContain(docs, d => ((string?)d["metadata"]!["name"])!.EndsWith("-minio", StringComparison.Ordinal));
    }

    private static string? Env(List<JsonObject> docs, string name) => (string?)EnvEntry(docs, name)?["value"];

    private static JsonNode? EnvEntry(List<JsonObject> docs, string name)
    {
        var container = HelmChart.Find(docs, "Deployment", "-web")["spec"]!["template"]!["spec"]!["containers"]![0]!;
        return container["env"]!.AsArray().SingleOrDefault(e => (string?)e!["name"] == name);
    }

    private static List<string> Strings(JsonNode? array) => [.. array?.AsArray().Select(x => (string)x!) ?? []];
}
