using System.Text.Json.Nodes;

namespace Workspaces.FakeKubernetes;

/// <summary>
/// CSI volume snapshots (snapshot.storage.k8s.io/v1) as the external snapshot controller and a CSI driver handle them:
/// cluster-scoped VolumeSnapshotClasses; namespaced VolumeSnapshots validated as the CRD and its webhook do (exactly one
/// source, an immutable spec), that bind after <see cref="SnapshotReadyDelay"/> with <c>readyToUse</c>,
/// <c>restoreSize</c> and the controller's bound-protection finalizer, or get <c>status.error</c> (a missing class or
/// source volume, or <see cref="FailSnapshots"/>), or never become ready (<see cref="SnapshotsNeverReady"/>).
/// </summary>
public sealed partial class FakeKubeApiServer
{
    public const string SnapshotGroup = "snapshot.storage.k8s.io";
    public const string VolumeSnapshots = SnapshotGroup + "/volumesnapshots";
    public const string VolumeSnapshotClasses = SnapshotGroup + "/volumesnapshotclasses";
    public const string SnapshotBoundFinalizer = "snapshot.storage.kubernetes.io/volumesnapshot-bound-protection";
    private const string DefaultClassAnnotation = "snapshot.storage.kubernetes.io/is-default-class";
    private readonly Dictionary<string, DateTime> _snapshotsSeen = [];
    private Task _snapshotController = Task.CompletedTask;

    /// <summary>How long a CSI driver takes to cut a snapshot before it is ready to use.</summary>
    public TimeSpan SnapshotReadyDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>True: new snapshots bind but never become ready (a driver that hangs).</summary>
    public bool SnapshotsNeverReady { get; set; }

    /// <summary>Non-null: new snapshots fail with this driver error in <c>status.error.message</c>.</summary>
    public string? FailSnapshots { get; set; }

    /// <summary>Adds a VolumeSnapshotClass of a CSI driver (as a cluster administrator installs one).</summary>
    public void AddVolumeSnapshotClass(string name, string driver = "hostpath.csi.k8s.io", bool isDefault = false)
    {
        var metadata = new JsonObject { ["name"] = name };
        if (isDefault)
        {
            metadata["annotations"] = new JsonObject { [DefaultClassAnnotation] = "true" };
        }

        Store(VolumeSnapshotClasses, "", new JsonObject
        {
            ["apiVersion"] = $"{SnapshotGroup}/v1",
            ["kind"] = "VolumeSnapshotClass",
            ["metadata"] = metadata,
            ["driver"] = driver,
            ["deletionPolicy"] = "Delete",
        });
    }

    /// <summary>Stores an object as a component other than the clients would (an administrator's install).</summary>
    private void Store(string resource, string ns, JsonObject body)
    {
        lock (_lock)
        {
            var metadata = (JsonObject)body["metadata"]!;
            metadata["uid"] = Guid.NewGuid().ToString();
            metadata["creationTimestamp"] = Now();
            metadata["generation"] = 1L;
            metadata["resourceVersion"] = Version(++_resourceVersion);
            _objects[(resource, ns, (string)metadata["name"]!)] = body;
            Record("ADDED", resource, ns, body);
        }
    }

    private void StartSnapshotController() => _snapshotController = Task.Run(RunSnapshotControllerAsync);

    private async Task RunSnapshotControllerAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            ReconcileSnapshots();
            await Task.Delay(TimeSpan.FromMilliseconds(20), _stopping.Token).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private void ReconcileSnapshots()
    {
        lock (_lock)
        {
            foreach (var key in _objects.Keys.Where(k => k.Resource == VolumeSnapshots).ToList())
            {
                var snapshot = _objects[key];
                var metadata = (JsonObject)snapshot["metadata"]!;
                var uid = (string)metadata["uid"]!;
                if (metadata["deletionTimestamp"] is not null)
                {
                    // The content (and the driver's snapshot) is deleted; the controller lets go of the object.
                    var finalizers = metadata["finalizers"]?.AsArray();
                    if (finalizers?.FirstOrDefault(f => (string?)f == SnapshotBoundFinalizer) is { } bound)
                    {
                        finalizers.Remove(bound);
                        Changed(key, snapshot);
                    }

                    if ((finalizers?.Count ?? 0) == 0)
                    {
                        _objects.Remove(key);
                        _snapshotsSeen.Remove(uid);
                        metadata["resourceVersion"] = Version(++_resourceVersion);
                        Record("DELETED", key.Resource, key.Namespace, snapshot);
                    }

                    continue;
                }

                if (snapshot["status"]?["readyToUse"]?.GetValue<bool>() == true || snapshot["status"]?["error"] is not null)
                {
                    continue;
                }

                if (!_snapshotsSeen.TryGetValue(uid, out var seen))
                {
                    _snapshotsSeen[uid] = DateTime.UtcNow;
                    continue;
                }

                if (DateTime.UtcNow - seen < SnapshotReadyDelay)
                {
                    continue;
                }

                var problem = SnapshotProblem(key.Namespace, snapshot, out var restoreSize);
                if (problem is not null)
                {
                    snapshot["status"] = new JsonObject
                    {
                        ["readyToUse"] = false,
                        ["error"] = new JsonObject { ["message"] = problem, ["time"] = Now() },
                    };
                    Changed(key, snapshot);
                    continue;
                }

                if (snapshot["status"] is null)
                {
                    var finalizers = metadata["finalizers"] as JsonArray ?? [];
                    metadata["finalizers"] = finalizers;
                    finalizers.Add(SnapshotBoundFinalizer);
                    snapshot["status"] = new JsonObject
                    {
                        ["boundVolumeSnapshotContentName"] = "snapcontent-" + uid,
                        ["readyToUse"] = false,
                    };
                    Changed(key, snapshot);
                    continue;
                }

                if (!SnapshotsNeverReady)
                {
                    snapshot["status"]!["readyToUse"] = true;
                    snapshot["status"]!["creationTime"] = Now();
                    snapshot["status"]!["restoreSize"] = restoreSize;
                    Changed(key, snapshot);
                }
            }
        }
    }

    private string? SnapshotProblem(string ns, JsonObject snapshot, out string? restoreSize)
    {
        restoreSize = null;
        var className = (string?)snapshot["spec"]?["volumeSnapshotClassName"];
        var classes = _objects.Where(kv => kv.Key.Resource == VolumeSnapshotClasses).Select(kv => kv.Value).ToList();
        var snapshotClass = className is null
            ? classes.FirstOrDefault(c => (string?)c["metadata"]?["annotations"]?[DefaultClassAnnotation] == "true")
            : classes.FirstOrDefault(c => (string?)c["metadata"]!["name"] == className);
        if (snapshotClass is null)
        {
            return className is null
                ? "Failed to get snapshot class with error cannot find default snapshot class"
                : $"Failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io \"{className}\" not found";
        }

        var claimName = (string?)snapshot["spec"]?["source"]?["persistentVolumeClaimName"];
        if (claimName is null || !_objects.TryGetValue(("/persistentvolumeclaims", ns, claimName), out var claim))
        {
            return $"Failed to create snapshot: error getting handle for DataSource Type VolumeSnapshot by Name {snapshot["metadata"]!["name"]}: persistentvolumeclaim \"{claimName}\" not found";
        }

        if (FailSnapshots is { } failure)
        {
            return $"Failed to check and update snapshot content: failed to take snapshot of the volume {claimName}: \"rpc error: code = Internal desc = {failure}\"";
        }

        restoreSize = (string?)claim["spec"]?["resources"]?["requests"]?["storage"] ?? "1Gi";
        return null;
    }

    private void Changed((string Resource, string Namespace, string Name) key, JsonObject obj)
    {
        obj["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
        Record("MODIFIED", key.Resource, key.Namespace, obj);
    }

    /// <summary>What the VolumeSnapshot CRD's rules and the snapshot validation webhook refuse; null when valid.</summary>
    private static string? InvalidSnapshot(JsonObject body, JsonObject? current)
    {
        var source = body["spec"]?["source"] as JsonObject;
        var fromClaim = (string?)source?["persistentVolumeClaimName"];
        var fromContent = (string?)source?["volumeSnapshotContentName"];
        if (string.IsNullOrEmpty(fromClaim) == string.IsNullOrEmpty(fromContent))
        {
            return $"VolumeSnapshot.snapshot.storage.k8s.io \"{body["metadata"]?["name"]}\" is invalid: spec.source: Invalid value: \"object\": Exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set";
        }

        if ((string?)body["spec"]?["volumeSnapshotClassName"] == "")
        {
            return $"VolumeSnapshot.snapshot.storage.k8s.io \"{body["metadata"]?["name"]}\" is invalid: spec.volumeSnapshotClassName: Invalid value: \"\": volumeSnapshotClassName must not be the empty string when set";
        }

        if (current is not null && !JsonNode.DeepEquals(current["spec"], body["spec"]))
        {
            return $"VolumeSnapshot.snapshot.storage.k8s.io \"{body["metadata"]?["name"]}\" is invalid: spec: Invalid value: \"object\": spec.source and spec.volumeSnapshotClassName are immutable";
        }

        return null;
    }

    /// <summary>A pod's volume restored from a snapshot is provisioned only once the snapshot is ready; null when every one can be.</summary>
    internal string? UnprovisionableVolume(string ns, JsonObject pod)
    {
        foreach (var claimName in (pod["spec"]?["volumes"]?.AsArray() ?? []).Select(v => (string?)v?["persistentVolumeClaim"]?["claimName"]).OfType<string>())
        {
            var claim = Get("/persistentvolumeclaims", ns, claimName);
            if (claim is null)
            {
                return $"persistentvolumeclaim \"{claimName}\" not found";
            }

            if ((string?)claim["status"]?["phase"] == "Bound" || claim["spec"]?["dataSource"] is not JsonObject dataSource)
            {
                continue;
            }

            if ((string?)dataSource["kind"] != "VolumeSnapshot" || (string?)dataSource["apiGroup"] != SnapshotGroup)
            {
                return $"persistentvolumeclaim \"{claimName}\": the provisioner does not support data source {dataSource["kind"]} in group {dataSource["apiGroup"]}";
            }

            var snapshot = Get(VolumeSnapshots, ns, (string?)dataSource["name"] ?? "");
            if (snapshot is null || snapshot["metadata"]?["deletionTimestamp"] is not null || snapshot["status"]?["readyToUse"]?.GetValue<bool>() != true)
            {
                return $"failed to provision volume for claim \"{claimName}\": error getting handle for DataSource Type VolumeSnapshot by Name {dataSource["name"]}: snapshot {dataSource["name"]} is not Ready";
            }
        }

        return null;
    }

    /// <summary>Marks the pod's volumes provisioned (bound): a later change of their snapshot no longer matters.</summary>
    internal void BindVolumes(string ns, JsonObject pod)
    {
        foreach (var claimName in (pod["spec"]?["volumes"]?.AsArray() ?? []).Select(v => (string?)v?["persistentVolumeClaim"]?["claimName"]).OfType<string>())
        {
            if ((string?)Get("/persistentvolumeclaims", ns, claimName)?["status"]?["phase"] != "Bound")
            {
                Mutate("/persistentvolumeclaims", ns, claimName, c => c["status"] = new JsonObject { ["phase"] = "Bound" });
            }
        }
    }
}
