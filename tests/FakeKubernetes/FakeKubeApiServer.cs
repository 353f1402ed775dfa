using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Workspaces.FakeKubernetes;

/// <summary>
/// An in-process stand-in for the Kubernetes API server, served over HTTP to the real KubernetesClient. It keeps every
/// object as JSON with a global resourceVersion and honours what a controller depends on: list + watch from a
/// resourceVersion, bookmarks, 410 Gone for compacted versions, 409 on stale updates and duplicate creates, JSON merge
/// patches, the status subresource (spec changes bump metadata.generation, status writes do not), finalizers and deletionTimestamp, and the
/// Workspace CRD's schema (422). <see cref="Kubelet"/> plays the node: it runs, crashes and evicts pods; the snapshot
/// controller (<c>FakeKubeApiServer.Snapshots.cs</c>) takes CSI volume snapshots.
/// </summary>
public sealed partial class FakeKubeApiServer : IAsyncDisposable
{
    private static readonly Dictionary<string, (string Kind, string ApiVersion)> Kinds = new(StringComparer.Ordinal)
    {
        ["/pods"] = ("Pod", "v1"),
        ["/services"] = ("Service", "v1"),
        ["/secrets"] = ("Secret", "v1"),
        ["/persistentvolumeclaims"] = ("PersistentVolumeClaim", "v1"),
        ["/events"] = ("Event", "v1"),
        ["networking.k8s.io/networkpolicies"] = ("NetworkPolicy", "networking.k8s.io/v1"),
        ["coordination.k8s.io/leases"] = ("Lease", "coordination.k8s.io/v1"),
        ["workspaces.dev/workspaces"] = ("Workspace", "workspaces.dev/v1alpha1"),
        [WorkspaceSnapshots] = ("WorkspaceSnapshot", "workspaces.dev/v1alpha1"),
        ["/namespaces"] = ("Namespace", "v1"),
        [Deployments] = ("Deployment", "apps/v1"),
        ["/serviceaccounts"] = ("ServiceAccount", "v1"),
        ["/resourcequotas"] = ("ResourceQuota", "v1"),
        ["/limitranges"] = ("LimitRange", "v1"),
        ["rbac.authorization.k8s.io/roles"] = ("Role", "rbac.authorization.k8s.io/v1"),
        ["rbac.authorization.k8s.io/rolebindings"] = ("RoleBinding", "rbac.authorization.k8s.io/v1"),
        [VolumeSnapshots] = ("VolumeSnapshot", "snapshot.storage.k8s.io/v1"),
        [VolumeSnapshotClasses] = ("VolumeSnapshotClass", "snapshot.storage.k8s.io/v1"),
    };

    private readonly Lock _lock = new();
    private readonly Dictionary<(string Resource, string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<StoredEvent> _log = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly WebApplication _app;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationTokenSource _watchesClosed = new();
    private readonly HashSet<(string Namespace, string Name)> _unreachablePods = [];
    private long _resourceVersion = 1000;
    private long _compactedThrough;
    private long _requests;
    private SchemaValidator? _workspaceSchema;
    private SchemaValidator? _snapshotSchema;
    private Task _namespaceController = Task.CompletedTask;

    private FakeKubeApiServer(WebApplication app)
    {
        _app = app;
        Kubelet = new FakeKubelet(this);
    }

    public Uri Url { get; private set; } = null!;

    public FakeKubelet Kubelet { get; }

    /// <summary>How often an idle watch gets a bookmark.</summary>
    public TimeSpan BookmarkInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Runs before each request is handled; tests block or fail requests here.</summary>
    public Func<HttpRequest, Task>? BeforeRequest { get; set; }

    /// <summary>Answers a request with this status code instead of handling it, when it returns one (a test's injected failure).</summary>
    public Func<HttpRequest, int?>? FailRequest { get; set; }

    public long Requests => Interlocked.Read(ref _requests);

    public long ResourceVersion
    {
        get
        {
            lock (_lock)
            {
                return _resourceVersion;
            }
        }
    }

    public static async Task<FakeKubeApiServer> StartAsync(bool validateWorkspaces = true)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeKubeApiServer(app);
        if (validateWorkspaces)
        {
            var crd = Yaml.Load(await File.ReadAllTextAsync(RepositoryRoot.Combine("deploy", "helm", "workspaces", "crds", "workspaces.yaml")))!;
            server._workspaceSchema = SchemaValidator.FromCrd(crd);
            var snapshotCrd = Yaml.Load(await File.ReadAllTextAsync(RepositoryRoot.Combine("deploy", "helm", "workspaces", "crds", "workspacesnapshots.yaml")))!;
            server._snapshotSchema = SchemaValidator.FromCrd(snapshotCrd);
        }

        app.Run(server.HandleAsync);
        await app.StartAsync();
        server._namespaceController = Task.Run(server.RunNamespaceControllerAsync);
        server.StartSnapshotController();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Url = new Uri(address);
        return server;
    }

    /// <summary>Authorizes every request with a token against these rules (403 otherwise); null: everyone may do anything.</summary>
    public FakeRbac? Rbac { get; set; }

    /// <summary>A client; with a token (<see cref="FakeRbac.ServiceAccountToken"/>) it acts as that service account, without as the cluster admin.</summary>
    public IKubernetes CreateClient(string? token = null) => new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Url.ToString(), AccessToken = token });

    // ----- direct access for tests and the kubelet -----

    public JsonObject? Get(string resource, string ns, string name)
    {
        lock (_lock)
        {
            return _objects.TryGetValue((resource, ns, name), out var o) ? (JsonObject)o.DeepClone() : null;
        }
    }

    public List<JsonObject> List(string resource, string? ns = null)
    {
        lock (_lock)
        {
            return [.. _objects.Where(kv => kv.Key.Resource == resource && (ns is null || kv.Key.Namespace == ns)).Select(kv => (JsonObject)kv.Value.DeepClone())];
        }
    }

    /// <summary>Changes a stored object as a component other than the client would (the kubelet writing pod status).</summary>
    public void Mutate(string resource, string ns, string name, Action<JsonObject> change)
    {
        lock (_lock)
        {
            if (!_objects.TryGetValue((resource, ns, name), out var o))
            {
                return;
            }

            change(o);
            o["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
            Record("MODIFIED", resource, ns, o);
        }
    }

    /// <summary>Forgets the event history (as etcd compaction does) and ends every open watch: resuming from an old version now gets 410 Gone.</summary>
    public void CompactAndCloseWatches()
    {
        lock (_lock)
        {
            _compactedThrough = _resourceVersion;
            _log.Clear();
            var old = _watchesClosed;
            _watchesClosed = new CancellationTokenSource();
            old.Cancel();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _namespaceController.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _snapshotController.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    // ----- HTTP -----

    private async Task HandleAsync(HttpContext context)
    {
        try
        {
            await HandleCoreAsync(context);
        }
        catch (Exception e) when (e is not OperationCanceledException && !context.Response.HasStarted)
        {
            await WriteStatusAsync(context, 500, "InternalError", e.ToString());
        }
    }

    private async Task HandleCoreAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        if (BeforeRequest is { } before)
        {
            await before(context.Request);
        }

        if (FailRequest?.Invoke(context.Request) is { } injected)
        {
            await WriteStatusAsync(context, injected, injected switch { 403 => "Forbidden", 409 => "Conflict", _ => "InternalError" }, $"injected by the test: {injected}");
            return;
        }

        var request = ParsePath(context.Request.Path.Value ?? "");
        if (request is null)
        {
            await WriteStatusAsync(context, 404, "NotFound", $"no route for {context.Request.Path}");
            return;
        }

        var (resource, ns, name, sub) = request.Value;
        var query = context.Request.Query;
        if (Unauthenticated(context.Request) is { } unauthenticated)
        {
            await WriteStatusAsync(context, 401, "Unauthorized", unauthenticated);
            return;
        }

        if (ns == AllNamespaces && context.Request.Method != "GET")
        {
            await WriteStatusAsync(context, 405, "MethodNotAllowed", $"{context.Request.Method} needs a namespace");
            return;
        }

        JsonObject? body = context.Request.Method is "POST" or "PUT" ? await ReadBodyAsync(context) : null;
        if (Forbidden(context.Request, resource, ns, name, sub, body) is { } forbidden)
        {
            await WriteStatusAsync(context, 403, "Forbidden", forbidden);
            return;
        }

        if (context.Request.Method == "POST" && name is null && TerminatingNamespace(ns) is { } terminating)
        {
            await WriteStatusAsync(context, 403, "Forbidden", terminating);
            return;
        }

        if (sub is not null && !KnownSubresource(resource, sub, context.Request.Method))
        {
            await WriteStatusAsync(context, 404, "NotFound", $"the server could not find the requested resource ({context.Request.Method} {resource}/{sub})");
            return;
        }

        if (resource == Deployments && sub == "scale")
        {
            await HandleScaleAsync(context, ns, name!, body);
            return;
        }

        switch (context.Request.Method)
        {
            case "GET" when name is null && IsTrue(query["watch"]):
                await WatchAsync(context, resource, ns, query);
                return;
            case "GET" when name is null:
                await WriteJsonAsync(context, 200, ListObject(resource, ns, query["labelSelector"]));
                return;
            case "GET":
                var found = Get(resource, ns, name);
                if (found is null)
                {
                    await WriteStatusAsync(context, 404, "NotFound", $"{resource} \"{name}\" not found");
                    return;
                }

                await WriteJsonAsync(context, 200, found);
                return;
            case "POST" when name is null:
                await CreateAsync(context, resource, ns, body!);
                return;
            case "POST" when resource == "/serviceaccounts" && sub == "token":
                await IssueTokenAsync(context, ns, name, body!);
                return;
            case "PUT" when name is not null:
                var replacement = body!;
                if (HasStatusSubresource(resource) && resource != "/pods" && string.IsNullOrEmpty((string?)replacement["metadata"]?["resourceVersion"]))
                {
                    // Custom resources allow no unconditional update (a real API server's rule).
                    await WriteStatusAsync(context, 422, "Invalid", $"{resource} \"{name}\" is invalid: metadata.resourceVersion: Invalid value: 0x0: must be specified for an update");
                    return;
                }

                await ReplaceAsync(context, resource, ns, name, sub, replacement);
                return;
            case "PATCH" when name is not null:
                await PatchAsync(context, resource, ns, name, sub, await ReadBodyAsync(context));
                return;
            case "DELETE" when resource == "/namespaces" && name is not null:
                await DeleteNamespaceAsync(context, name);
                return;
            case "DELETE" when name is not null:
                await DeleteAsync(context, resource, ns, name, query["gracePeriodSeconds"] == "0");
                return;
            default:
                await WriteStatusAsync(context, 405, "MethodNotAllowed", $"{context.Request.Method} is not supported here");
                return;
        }
    }

    private string? Forbidden(HttpRequest request, string resource, string ns, string? name, string? sub, JsonObject? body)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (Rbac is null || !authorization.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            return null;
        }

        var user = UserOf(authorization["Bearer ".Length..]);
        var rbac = Rbac.With([.. List("rbac.authorization.k8s.io/roles"), .. List("rbac.authorization.k8s.io/rolebindings")]);
        var verb = request.Method switch
        {
            "GET" when name is null && IsTrue(request.Query["watch"]) => "watch",
            "GET" when name is null => "list",
            "GET" => "get",
            "POST" => "create",
            "PUT" => "update",
            "PATCH" => "patch",
            "DELETE" => "delete",
            _ => request.Method.ToLowerInvariant(),
        };
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        var group = resource[..slash];
        var plural = resource[(slash + 1)..] + (sub is null ? "" : "/" + sub);
        // Across namespaces only a ClusterRoleBinding grants (as on a real API server).
        if (!rbac.Allows(user, verb, group, plural, ns == AllNamespaces ? "" : ns, name))
        {
            return $"{plural}{(group.Length == 0 ? "" : "." + group)} {(name is null ? "" : $"\"{name}\" ")}is forbidden: User \"{user}\" cannot {verb} resource \"{plural}\" in API group \"{group}\" in the namespace \"{ns}\"";
        }

        return verb is "create" or "update" && body is not null ? rbac.EscalationProblem(user, resource, ns, body) : null;
    }

    private async Task CreateAsync(HttpContext context, string resource, string ns, JsonObject body)
    {
        var metadata = body["metadata"] as JsonObject ?? [];
        body["metadata"] = metadata;
        var name = (string?)metadata["name"];
        if (string.IsNullOrEmpty(name))
        {
            await WriteStatusAsync(context, 422, "Invalid", "metadata.name: Required value");
            return;
        }

        if (Invalid(resource, body) is { } invalid)
        {
            await WriteStatusAsync(context, 422, "Invalid", invalid);
            return;
        }

        if (resource == "/pods")
        {
            BuiltinValidation.DefaultPod(body);
        }
        else if (resource == "/services")
        {
            DefaultService(body);
        }

        DefaultNamespacedKinds(resource, name, body);

        JsonObject stored;
        lock (_lock)
        {
            if (_objects.ContainsKey((resource, ns, name)))
            {
                stored = null!;
            }
            else
            {
                SetKind(resource, body);
                metadata["namespace"] = ns;
                metadata["uid"] = Guid.NewGuid().ToString();
                metadata["creationTimestamp"] = Now();
                metadata["generation"] = 1L;
                metadata["resourceVersion"] = Version(++_resourceVersion);
                if (resource == "/pods")
                {
                    body["status"] = new JsonObject { ["phase"] = "Pending" };
                }
                else if (HasStatusSubresource(resource))
                {
                    body.Remove("status");
                }

                _objects[(resource, ns, name)] = body;
                Record("ADDED", resource, ns, body);
                stored = (JsonObject)body.DeepClone();
            }
        }

        if (stored is null)
        {
            await WriteStatusAsync(context, 409, "AlreadyExists", $"{resource} \"{name}\" already exists");
            return;
        }

        if (resource == "/pods")
        {
            Kubelet.PodCreated(ns, name);
        }

        await WriteJsonAsync(context, 201, stored);
    }

    private async Task ReplaceAsync(HttpContext context, string resource, string ns, string name, string? sub, JsonObject body)
    {
        if (Invalid(resource, body, keepStatus: sub == "status") is { } invalid)
        {
            await WriteStatusAsync(context, 422, "Invalid", invalid);
            return;
        }

        if (resource == WorkspaceSnapshots && sub is null && Get(resource, ns, name) is { } oldSnapshot && !JsonNode.DeepEquals(oldSnapshot["spec"], body["spec"]))
        {
            // The CRD's rule "self == oldSelf" on spec.
            await WriteStatusAsync(context, 422, "Invalid", $"WorkspaceSnapshot.workspaces.dev \"{name}\" is invalid: spec: Invalid value: \"object\": spec is immutable; delete the WorkspaceSnapshot and create another");
            return;
        }

        if (resource == VolumeSnapshots && sub is null && Get(resource, ns, name) is { } old && InvalidSnapshot(body, old) is { } immutable)
        {
            await WriteStatusAsync(context, 422, "Invalid", immutable);
            return;
        }

        int code;
        string reason;
        JsonObject? result = null;
        lock (_lock)
        {
            if (!_objects.TryGetValue((resource, ns, name), out var current))
            {
                (code, reason) = (404, "NotFound");
            }
            else if ((string?)body["metadata"]?["resourceVersion"] is { } rv && rv != (string?)current["metadata"]!["resourceVersion"])
            {
                (code, reason) = (409, "Conflict");
            }
            else
            {
                (code, reason) = (200, "");
                var next = (JsonObject)current.DeepClone();
                if (sub == "status")
                {
                    next["status"] = body["status"]?.DeepClone();
                }
                else
                {
                    var meta = (JsonObject)next["metadata"]!;
                    var newMeta = body["metadata"] as JsonObject ?? [];
                    foreach (var key in new[] { "labels", "annotations", "finalizers", "ownerReferences" })
                    {
                        meta[key] = newMeta[key]?.DeepClone();
                    }

                    foreach (var (key, value) in body)
                    {
                        if (key is "metadata" or "apiVersion" or "kind" || (key == "status" && HasStatusSubresource(resource)))
                        {
                            continue;
                        }

                        next[key] = value?.DeepClone();
                    }

                    if (!JsonNode.DeepEquals(current["spec"], next["spec"]))
                    {
                        meta["generation"] = ((long?)meta["generation"] ?? 1) + 1;
                    }
                }

                next["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                if (next["metadata"]!["deletionTimestamp"] is not null && (next["metadata"]!["finalizers"]?.AsArray().Count ?? 0) == 0)
                {
                    _objects.Remove((resource, ns, name));
                    Record("DELETED", resource, ns, next);
                }
                else
                {
                    _objects[(resource, ns, name)] = next;
                    Record("MODIFIED", resource, ns, next);
                }

                result = (JsonObject)next.DeepClone();
            }
        }

        if (result is null)
        {
            await WriteStatusAsync(context, code, reason, code == 409
                ? $"Operation cannot be fulfilled on {resource} \"{name}\": the object has been modified; please apply your changes to the latest version and try again"
                : $"{resource} \"{name}\" not found");
            return;
        }

        await WriteJsonAsync(context, 200, result);
    }

    /// <summary>JSON merge patch (RFC 7386) only; applied to the current object, then stored as a replace would store it.</summary>
    private async Task PatchAsync(HttpContext context, string resource, string ns, string name, string? sub, JsonObject patch)
    {
        if (context.Request.ContentType?.StartsWith("application/merge-patch+json", StringComparison.Ordinal) != true)
        {
            await WriteStatusAsync(context, 415, "UnsupportedMediaType", $"the fake accepts only merge patches, not {context.Request.ContentType}");
            return;
        }

        JsonObject? merged;
        lock (_lock)
        {
            merged = _objects.TryGetValue((resource, ns, name), out var current) ? (JsonObject)current.DeepClone() : null;
        }

        if (merged is null)
        {
            await WriteStatusAsync(context, 404, "NotFound", $"{resource} \"{name}\" not found");
            return;
        }

        // Unconditional unless the patch itself names a resourceVersion, as on a real API server.
        ((JsonObject)merged["metadata"]!).Remove("resourceVersion");
        MergePatch(merged, patch);
        await ReplaceAsync(context, resource, ns, name, sub, merged);
    }

    private static void MergePatch(JsonObject target, JsonObject patch)
    {
        foreach (var (key, value) in patch)
        {
            if (value is null)
            {
                target.Remove(key);
            }
            else if (value is JsonObject inner && target[key] is JsonObject existing)
            {
                MergePatch(existing, inner);
            }
            else
            {
                target[key] = value.DeepClone();
            }
        }
    }

    private async Task DeleteAsync(HttpContext context, string resource, string ns, string name, bool immediately)
    {
        JsonObject? result;
        var terminating = false;
        lock (_lock)
        {
            if (!_objects.TryGetValue((resource, ns, name), out var current))
            {
                result = null;
            }
            else if (resource == "/pods" && !immediately && (Kubelet.TerminationDelay > TimeSpan.Zero || _unreachablePods.Contains((ns, name))))
            {
                // A graceful pod delete: marked now, gone once the kubelet has stopped its containers.
                if (current["metadata"]!["deletionTimestamp"] is null)
                {
                    current["metadata"]!["deletionTimestamp"] = Now();
                    current["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                    Record("MODIFIED", resource, ns, current);
                    terminating = true;
                }

                result = (JsonObject)current.DeepClone();
            }
            else if ((current["metadata"]!["finalizers"]?.AsArray().Count ?? 0) > 0)
            {
                if (current["metadata"]!["deletionTimestamp"] is null)
                {
                    current["metadata"]!["deletionTimestamp"] = Now();
                    current["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                    Record("MODIFIED", resource, ns, current);
                }

                result = (JsonObject)current.DeepClone();
            }
            else
            {
                _objects.Remove((resource, ns, name));
                current["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                Record("DELETED", resource, ns, current);
                result = (JsonObject)current.DeepClone();
            }
        }

        if (result is null)
        {
            await WriteStatusAsync(context, 404, "NotFound", $"{resource} \"{name}\" not found");
            return;
        }

        bool unreachable;
        lock (_lock)
        {
            unreachable = _unreachablePods.Contains((ns, name));
            if (immediately)
            {
                _unreachablePods.Remove((ns, name));
            }
        }

        if (terminating && !unreachable)
        {
            _ = Task.Run(async () =>
            {
                await Task.Delay(Kubelet.TerminationDelay);
                Remove(resource, ns, name);
            });
        }

        await WriteJsonAsync(context, 200, result);
    }

    /// <summary>The pod's node is gone: a graceful delete marks it and never completes (only gracePeriodSeconds=0 removes it).</summary>
    public void Unreachable(string ns, string name)
    {
        lock (_lock)
        {
            _unreachablePods.Add((ns, name));
        }
    }

    /// <summary>Removes an object as its last finalizer or the kubelet would.</summary>
    public void Remove(string resource, string ns, string name)
    {
        lock (_lock)
        {
            if (_objects.Remove((resource, ns, name), out var current))
            {
                current["metadata"]!["resourceVersion"] = Version(++_resourceVersion);
                Record("DELETED", resource, ns, current);
            }
        }
    }

    private JsonObject ListObject(string resource, string ns, string? labelSelector)
    {
        lock (_lock)
        {
            var (kind, apiVersion) = Kinds.GetValueOrDefault(resource, ("Unknown", "v1"));
            return new JsonObject
            {
                ["apiVersion"] = apiVersion,
                ["kind"] = kind + "List",
                ["metadata"] = new JsonObject { ["resourceVersion"] = Version(_resourceVersion) },
                ["items"] = new JsonArray([.. _objects.Where(kv => kv.Key.Resource == resource && InNamespace(kv.Key.Namespace, ns) && Matches(kv.Value, labelSelector)).Select(kv => kv.Value.DeepClone())]),
            };
        }
    }

    private async Task WatchAsync(HttpContext context, string resource, string ns, IQueryCollection query)
    {
        var labelSelector = (string?)query["labelSelector"];
        var bookmarks = IsTrue(query["allowWatchBookmarks"]);
        var timeout = int.TryParse(query["timeoutSeconds"], out var t) ? TimeSpan.FromSeconds(t) : TimeSpan.FromMinutes(30);
        long cursor;
        CancellationToken closed;
        var initial = new List<StoredEvent>();
        lock (_lock)
        {
            closed = _watchesClosed.Token;
            var rv = (string?)query["resourceVersion"];
            if (string.IsNullOrEmpty(rv) || rv == "0")
            {
                cursor = _resourceVersion;
                initial.AddRange(_objects.Where(kv => kv.Key.Resource == resource && InNamespace(kv.Key.Namespace, ns)).Select(kv => new StoredEvent(cursor, "ADDED", resource, kv.Key.Namespace, (JsonObject)kv.Value.DeepClone())));
            }
            else
            {
                cursor = ParseVersion(rv);
            }
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token, closed);
        cts.CancelAfter(timeout);
        try
        {
            foreach (var e in initial.Where(e => Matches(e.Object, labelSelector)))
            {
                await WriteLineAsync(context, e.Type, e.Object, cts.Token);
            }

            var lastWrite = DateTime.UtcNow;
            while (!cts.IsCancellationRequested)
            {
                List<StoredEvent> pending;
                Task changed;
                bool gone;
                lock (_lock)
                {
                    gone = cursor < _compactedThrough;
                    pending = gone ? [] : [.. _log.Where(e => e.ResourceVersion > cursor && e.Resource == resource && InNamespace(e.Namespace, ns))];
                    changed = _changed.Task;
                }

                if (gone)
                {
                    var status = new JsonObject
                    {
                        ["kind"] = "Status",
                        ["apiVersion"] = "v1",
                        ["metadata"] = new JsonObject(),
                        ["status"] = "Failure",
                        ["message"] = $"too old resource version: {cursor} ({_compactedThrough})",
                        ["reason"] = "Expired",
                        ["code"] = 410,
                    };
                    await WriteLineAsync(context, "ERROR", status, cts.Token);
                    return;
                }

                foreach (var e in pending)
                {
                    cursor = e.ResourceVersion;
                    if (Matches(e.Object, labelSelector))
                    {
                        await WriteLineAsync(context, e.Type, e.Object, cts.Token);
                        lastWrite = DateTime.UtcNow;
                    }
                }

                if (bookmarks && DateTime.UtcNow - lastWrite >= BookmarkInterval)
                {
                    var (kind, apiVersion) = Kinds.GetValueOrDefault(resource, ("Unknown", "v1"));
                    long version;
                    lock (_lock)
                    {
                        version = Math.Max(cursor, _log.Count == 0 ? _resourceVersion : cursor);
                        cursor = version;
                    }

                    var bookmark = new JsonObject { ["kind"] = kind, ["apiVersion"] = apiVersion, ["metadata"] = new JsonObject { ["resourceVersion"] = Version(version) } };
                    await WriteLineAsync(context, "BOOKMARK", bookmark, cts.Token);
                    lastWrite = DateTime.UtcNow;
                }

                await ((Task)Task.WhenAny(changed, Task.Delay(BookmarkInterval, cts.Token))).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // The watch ended: timeout, client gone, server stopping or watches closed by a test.
        }
    }

    private static async Task WriteLineAsync(HttpContext context, string type, JsonObject obj, CancellationToken cancellationToken)
    {
        var line = new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString() + "\n";
        await context.Response.WriteAsync(line, cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private void Record(string type, string resource, string ns, JsonObject obj)
    {
        var rv = ParseVersion((string)obj["metadata"]!["resourceVersion"]!);
        _log.Add(new StoredEvent(rv, type, resource, ns, (JsonObject)obj.DeepClone()));
        var changed = _changed;
        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.TrySetResult();
    }

    private string? Invalid(string resource, JsonObject body, bool keepStatus = false)
    {
        if (resource == VolumeSnapshots && InvalidSnapshot(body, current: null) is { } snapshot)
        {
            return snapshot;
        }

        if (resource == WorkspaceSnapshots)
        {
            return InvalidWorkspaceSnapshot(body, keepStatus);
        }

        if (resource != "workspaces.dev/workspaces")
        {
            var builtin = BuiltinValidation.Validate(resource, body);
            return builtin.Count == 0 ? null : $"{Kinds.GetValueOrDefault(resource).Kind} \"{body["metadata"]?["name"]}\" is invalid: {string.Join("; ", builtin)}";
        }

        if (_workspaceSchema is null)
        {
            return null;
        }

        var copy = (JsonObject)body.DeepClone();
        if (!keepStatus)
        {
            copy.Remove("status");
        }

        var errors = _workspaceSchema.Validate(copy);
        return errors.Count == 0 ? null : $"Workspace is invalid: {string.Join("; ", errors)}";
    }

    private static bool HasStatusSubresource(string resource) => resource is "workspaces.dev/workspaces" or "/pods" or Deployments or VolumeSnapshots or WorkspaceSnapshots;

    private static void SetKind(string resource, JsonObject body)
    {
        if (Kinds.TryGetValue(resource, out var k))
        {
            body["kind"] ??= k.Kind;
            body["apiVersion"] ??= k.ApiVersion;
        }
    }

    private static bool Matches(JsonObject obj, string? labelSelector)
    {
        if (string.IsNullOrEmpty(labelSelector))
        {
            return true;
        }

        var labels = obj["metadata"]?["labels"] as JsonObject;
        foreach (var term in labelSelector.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = term.Split('=', 2);
            if (parts.Length != 2 || (string?)labels?[parts[0].Trim()] != parts[1].Trim())
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>(resource key "group/plural", namespace, name, subresource) from a namespaced API path, or a Namespace's ("" namespace).</summary>
    private static (string Resource, string Namespace, string? Name, string? Sub)? ParsePath(string path)
    {
        var parts = path.Trim('/').Split('/');
        if (ParseAcrossNamespaces(parts) is { } across)
        {
            return across;
        }

        int start;
        string group;
        if (parts is ["api", "v1", "namespaces"])
        {
            return ("/namespaces", "", null, null);
        }

        if (parts is ["api", "v1", "namespaces", var namespaceName])
        {
            return ("/namespaces", "", namespaceName, null);
        }

        if (parts is ["api", "v1", "namespaces", _, _, ..])
        {
            group = "";
            start = 3;
        }
        else if (parts is ["apis", _, _, "namespaces", _, _, ..])
        {
            group = parts[1];
            start = 4;
        }
        else if (parts is ["apis", var clusterGroup, _, var plural, .. var rest] && rest.Length <= 1 && $"{clusterGroup}/{plural}" == VolumeSnapshotClasses)
        {
            // The one cluster-scoped kind besides Namespaces that is modelled.
            return (VolumeSnapshotClasses, "", rest.Length == 1 ? rest[0] : null, null);
        }
        else
        {
            return null;
        }

        var ns = parts[start];
        var resource = $"{group}/{parts[start + 1]}";
        var name = parts.Length > start + 2 ? parts[start + 2] : null;
        var sub = parts.Length > start + 3 ? parts[start + 3] : null;
        return (resource, ns, name, sub);
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value) => value == "true" || value == "1";

    private static async Task<JsonObject> ReadBodyAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted);
        return JsonNode.Parse(text) as JsonObject ?? [];
    }

    private static async Task WriteJsonAsync(HttpContext context, int code, JsonNode body)
    {
        context.Response.StatusCode = code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private static Task WriteStatusAsync(HttpContext context, int code, string reason, string message) =>
        WriteJsonAsync(context, code, new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
            ["code"] = code,
        });

    /// <summary>
    /// resourceVersions are opaque to clients (the API's contract; etcd's happen to be numbers): these are not, so a
    /// client that compares them as numbers fails here rather than on a server whose versions are not.
    /// </summary>
    public static string Version(long value) => "r" + value.ToString("x", CultureInfo.InvariantCulture);

    private static long ParseVersion(string value) =>
        value.StartsWith('r') && long.TryParse(value.AsSpan(1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new BadVersionException(value);

    internal static string Now() => DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private sealed class BadVersionException(string value) : Exception($"resourceVersion \"{value}\" was not issued by this server");

    private sealed record StoredEvent(long ResourceVersion, string Type, string Resource, string Namespace, JsonObject Object);
}
