using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Workspaces.FakeKubernetes;
using Workspaces.TestSupport.Files;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Local;
using Workspaces.WorkspaceController.Local.ClusterAccess;
using Workspaces.WorkspaceController.Runtime;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Workspaces.WorkspaceController.Tests.Local.ClusterAccess;

/// <summary>
/// The local runtime's cluster access against the strict fake API server, with an administrator's kubeconfig whose
/// token is a cluster-admin there (RBAC on): the namespace and its objects, a kubeconfig whose token works in that
/// namespace only, renewal, revocation on stop, deletion with the workspace (and a stuck one reported), refusals and an
/// unreachable cluster.
/// </summary>
public sealed class LocalClusterAccessTests : IAsyncLifetime
{
    private const string WorkspaceId = "shop-k3x9q2mz";
    private const string Ns = "dev-shop-k3x9q2mz";
    private readonly TempDirectory _data = TempDirectory.Create("ws-local-cluster");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));
    private readonly List<WorkspaceRuntimeEvent> _events = [];
    private FakeKubeApiServer _cluster = null!;
    private LocalCluster _local = null!;
    private LocalClusterAccess _access = null!;

    public async Task InitializeAsync()
    {
        _cluster = await FakeKubeApiServer.StartAsync(validateWorkspaces: false);
        _cluster.Rbac = FakeKubeApiServer.AdminRbac();
        _cluster.TokenClock = _time;
        (_local, _access) = Create(_cluster.AdminKubeconfig());
    }

    public async Task DisposeAsync()
    {
        _local.Dispose();
        await _cluster.DisposeAsync();
        _data.Dispose();
    }

    private (LocalCluster, LocalClusterAccess) Create(string kubeconfig, TimeProvider? time = null)
    {
        var path = _data.Combine($"kubeconfig-{Guid.NewGuid():N}");
        File.WriteAllText(path, kubeconfig);
        var options = new LocalClusterAccessOptions { Kubeconfig = path, RequestTimeout = TimeSpan.FromSeconds(5) };
        var local = new LocalCluster(MsOptions.Create(options));
        Directory.CreateDirectory(_data.Combine("workspaces"));
        var access = new LocalClusterAccess(local, MsOptions.Create(new LocalRuntimeOptions { WorkspacesDirectory = _data.Combine("workspaces") }), time ?? _time, NullLogger<LocalClusterAccess>.Instance);
        access.Reported += e => { lock (_events) { _events.Add(e); } };
        return (local, access);
    }

    private static ClusterAccessLaunch Launch(IReadOnlyList<ClusterAccessRule>? rules = null) => new(Ns, rules);

    private static string Token(LocalKubeconfig kube) => File.ReadAllText(Path.Combine(kube.HostDirectory, "token"));

    [Fact]
    public async Task Prepare_WorkspaceWithClusterAccess_CreatesTheNamespaceAndItsObjectsLabelledWithTheWorkspace()
    {
        var kube = await _access.PrepareAsync(WorkspaceId, Launch(), "/var/run/workspaces/kube", CancellationToken.None);

        Assert.NotNull(kube);
        var ns = _cluster.Get("/namespaces", "", Ns)!;
        Assert.Equal(WorkspaceId, (string?)ns["metadata"]!["labels"]!["workspaces.dev/workspace"]);
        Assert.Equal("true", (string?)ns["metadata"]!["labels"]!["workspaces.dev/dev-namespace"]);
        Assert.Equal("local", (string?)ns["metadata"]!["labels"]!["workspaces.dev/workspace-namespace"]);
        Assert.StartsWith("local-", (string?)ns["metadata"]!["annotations"]!["workspaces.dev/owner-uid"], StringComparison.Ordinal);
        Assert.Null(ns["metadata"]!["ownerReferences"]);
        foreach (var (resource, name) in new[]
        {
            ("/serviceaccounts", "workspace"), ("rbac.authorization.k8s.io/roles", "workspace"), ("rbac.authorization.k8s.io/rolebindings", "workspace"),
            ("/resourcequotas", "workspace-quota"), ("/limitranges", "workspace-defaults"), ("networking.k8s.io/networkpolicies", "workspace-isolation"), ("/secrets", "workspace-session"),
        })
        {
            var found = _cluster.Get(resource, Ns, name);
            Assert.True(found is not null, $"{resource}/{name} exists");
            Assert.Equal(WorkspaceId, (string?)found["metadata"]!["labels"]!["workspaces.dev/workspace"]);
        }

        // The administrator's default Role (Kubernetes' edit rules), and no controller bindings: the admin's client needs none.
        Assert.Equal(EditRules.Default.Count, _cluster.Get("rbac.authorization.k8s.io/roles", Ns, "workspace")!["rules"]!.AsArray().Count);
        Assert.DoesNotContain(_cluster.List("rbac.authorization.k8s.io/rolebindings", Ns), b => (string?)b["metadata"]!["name"] == ClusterAccessBuilder.ControllerBindingName);
        var bound = Assert.Single(_cluster.IssuedTokens);
        Assert.Equal(("/secrets", "workspace-session", Ns, "workspace"), (bound.BoundResource, bound.BoundName, bound.Namespace, bound.ServiceAccount));
        Assert.Equal(_time.GetUtcNow().AddMinutes(10), bound.ExpiresAt);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Prepare_Kubeconfig_ItsTokenWorksInTheNamespaceOnlyAndTheAdministratorsNeverLeaves()
    {
        var kube = (await _access.PrepareAsync(WorkspaceId, Launch(), "/var/run/workspaces/kube", CancellationToken.None))!;

        var config = await File.ReadAllTextAsync(Path.Combine(kube.HostDirectory, "config"));
        var expected = $"""
            apiVersion: v1
            kind: Config
            clusters:
              - name: workspace
                cluster:
                  server: {_cluster.Url.AbsoluteUri.TrimEnd('/')}
            users:
              - name: workspace
                user:
                  tokenFile: /var/run/workspaces/kube/token
            contexts:
              - name: workspace
                context:
                  cluster: workspace
                  user: workspace
                  namespace: {Ns}
            current-context: workspace

            """;
        Assert.Equal(expected, config);
        Assert.Equal("/var/run/workspaces/kube/config", kube.InsidePath);
        Assert.Equal(_cluster.Url.Port, kube.LoopbackPort);
        foreach (var file in Directory.EnumerateFiles(kube.HostDirectory))
        {
            Assert.DoesNotContain(FakeKubeApiServer.AdminToken, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }

        using var workspace = _cluster.CreateClient(Token(kube));
        var accounts = await workspace.CoreV1.ListNamespacedServiceAccountAsync(Ns);
        var elsewhere = await Assert.ThrowsAsync<HttpOperationException>(() => workspace.CoreV1.ListNamespacedServiceAccountAsync("default"));
        var namespaces = await Assert.ThrowsAsync<HttpOperationException>(() => workspace.CoreV1.ListNamespaceAsync());

        Assert.Equal("workspace", Assert.Single(accounts.Items).Metadata.Name);
        Assert.Equal(HttpStatusCode.Forbidden, elsewhere.Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, namespaces.Response.StatusCode);
    }

    [Fact]
    public async Task Check_TokenPastHalfItsLife_ReplacesTheTokenFileWithAFreshOne()
    {
        var kube = (await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None))!;
        var first = Token(kube);

        await _access.CheckAsync((_, _) => Task.FromResult(true), CancellationToken.None);
        var early = Token(kube);
        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await _access.CheckAsync((_, _) => Task.FromResult(true), CancellationToken.None);
        var renewed = Token(kube);
        _time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(first, early);
        Assert.NotEqual(first, renewed);
        Assert.Equal(2, _cluster.IssuedTokens.Count);
        // The first has expired by now; the renewed one works.
        using var expired = _cluster.CreateClient(first);
        using var fresh = _cluster.CreateClient(renewed);
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => expired.CoreV1.ListNamespacedPodAsync(Ns));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Response.StatusCode);
        Assert.Empty((await fresh.CoreV1.ListNamespacedPodAsync(Ns)).Items);
        Assert.Equal(Path.Combine(_data.Combine("workspaces"), WorkspaceId + ".kube", "token"), (await File.ReadAllTextAsync(Path.Combine(kube.HostDirectory, "config"))).Split("tokenFile: ")[1].Split('\n')[0]);
    }

    [Fact]
    public async Task Revoke_WorkspaceStopped_ItsTokenStopsWorkingAndItsKubeconfigIsGone()
    {
        var kube = (await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None))!;
        using var workspace = _cluster.CreateClient(Token(kube));
        await workspace.CoreV1.ListNamespacedPodAsync(Ns);

        await _access.RevokeAsync(WorkspaceId, CancellationToken.None);

        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => workspace.CoreV1.ListNamespacedPodAsync(Ns));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Response.StatusCode);
        Assert.False(Directory.Exists(kube.HostDirectory));
        Assert.NotNull(_cluster.Get("/namespaces", "", Ns));
    }

    [Fact]
    public async Task Check_AgentNoLongerRunning_RevokesItsToken()
    {
        var kube = (await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None))!;
        using var workspace = _cluster.CreateClient(Token(kube));

        // Its start is still going on (the agent not listening yet): left alone.
        await _access.CheckAsync((_, _) => Task.FromResult(false), CancellationToken.None);
        var whileStarting = await workspace.CoreV1.ListNamespacedPodAsync(Ns);
        _time.Advance(TimeSpan.FromSeconds(36));
        await _access.CheckAsync((_, _) => Task.FromResult(false), CancellationToken.None);

        Assert.Empty(whileStarting.Items);
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => workspace.CoreV1.ListNamespacedPodAsync(Ns));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Response.StatusCode);
        Assert.False(Directory.Exists(kube.HostDirectory));
    }

    [Fact]
    public async Task Check_StopWhileTheClusterWasUnreachable_RevokesTheTokenOnceItIsBack()
    {
        var kube = (await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None))!;
        using var workspace = _cluster.CreateClient(Token(kube));
        var closed = TestSupport.Network.ClosedPort.Reserve();
        var (down, unreachable) = Create(_cluster.AdminKubeconfig(server: new Uri($"http://127.0.0.1:{closed}")));
        using var _ = down;

        await unreachable.RevokeAsync(WorkspaceId, CancellationToken.None);
        var stillWorking = await workspace.CoreV1.ListNamespacedPodAsync(Ns);
        _time.Advance(TimeSpan.FromSeconds(36));
        await _access.CheckAsync((_, _) => Task.FromResult(false), CancellationToken.None);

        Assert.Empty(stillWorking.Items);
        Assert.False(Directory.Exists(kube.HostDirectory));
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => workspace.CoreV1.ListNamespacedPodAsync(Ns));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Response.StatusCode);
    }

    [Fact]
    public async Task Prepare_AdministratorRefusedByTheCluster_StartsWithoutAccessAndTheEventNamesNoIdentity()
    {
        // An administrator whose rights were taken away: every request of theirs is refused (403).
        _cluster.Rbac = FakeRbac.FromManifests([], "");

        var kube = await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None);

        Assert.Null(kube);
        var message = Assert.Single(_events, e => e.Kind == "cluster-access-unavailable").Message;
        Assert.Contains("refused the administrator's credentials (403)", message, StringComparison.Ordinal);
        Assert.Contains("the administrator's user cannot", message, StringComparison.Ordinal);
        Assert.DoesNotContain("cluster-admin", message, StringComparison.Ordinal);
        Assert.DoesNotContain("serviceaccount", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prepare_AgainAfterAStop_ReusesTheNamespaceWithAFreshSession()
    {
        var kube = (await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None))!;
        await _access.RevokeAsync(WorkspaceId, CancellationToken.None);

        var again = (await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None))!;

        using var workspace = _cluster.CreateClient(Token(again));
        Assert.Empty((await workspace.CoreV1.ListNamespacedPodAsync(Ns)).Items);
        Assert.Single(_cluster.List("/namespaces"));
        Assert.Equal(kube.HostDirectory, again.HostDirectory);
    }

    [Fact]
    public async Task Delete_Workspace_ItsNamespaceIsGone()
    {
        var (local, access) = Create(_cluster.AdminKubeconfig(), TimeProvider.System);
        using var _ = local;
        // Waits for the fake API server's namespace controller on the real clock: room for a loaded machine.
        access.DeleteWait = TimeSpan.FromMinutes(1);
        await access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None);

        await access.DeleteAsync(WorkspaceId, CancellationToken.None);

        Assert.Null(_cluster.Get("/namespaces", "", Ns));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_data.Combine("workspaces")));
    }

    [Fact]
    public async Task Delete_NamespaceHeldBySomeonesFinalizer_SaysSoOnceAfterStuckAfter()
    {
        _access.DeleteWait = TimeSpan.Zero;
        await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None);
        using var admin = _cluster.CreateClient();
        await admin.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = "held", Finalizers = ["example.com/backup"] } }, Ns);

        var first = await Assert.ThrowsAsync<WorkspaceRuntimeException>(() => _access.DeleteAsync(WorkspaceId, CancellationToken.None));
        await Workspaces.TestSupport.Waiting.Poll.UntilAsync(() => _cluster.Get("/namespaces", "", Ns)?["status"]?["conditions"] is not null, TimeSpan.FromSeconds(10), "the namespace to say what holds it");
        _time.Advance(TimeSpan.FromMinutes(2));
        var stuck = await Assert.ThrowsAsync<WorkspaceRuntimeException>(() => _access.DeleteAsync(WorkspaceId, CancellationToken.None));
        await Assert.ThrowsAsync<WorkspaceRuntimeException>(() => _access.DeleteAsync(WorkspaceId, CancellationToken.None));
        _cluster.Mutate("/secrets", Ns, "held", s => s["metadata"]!["finalizers"] = null);
        await Workspaces.TestSupport.Waiting.Poll.UntilAsync(() => _cluster.Get("/namespaces", "", Ns) is null, TimeSpan.FromSeconds(10), "the namespace to go once released");
        await _access.DeleteAsync(WorkspaceId, CancellationToken.None);

        Assert.Equal($"Deleting the development namespace {Ns} and everything in it.", first.Message);
        Assert.Contains("terminating for 2 minutes or more", stuck.Message, StringComparison.Ordinal);
        Assert.Contains("example.com/backup", stuck.Message, StringComparison.Ordinal);
        var reported = Assert.Single(_events, e => e.Kind == "namespace-stuck");
        Assert.Equal(stuck.Message, reported.Message);
    }

    [Fact]
    public async Task Check_QuotaUsedUp_IsReportedOnceInTheWorkspacesEvents()
    {
        await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None);
        _cluster.Mutate("/resourcequotas", Ns, "workspace-quota", q => q["status"]!["used"] = new System.Text.Json.Nodes.JsonObject { ["pods"] = "20" });

        await _access.CheckAsync((_, _) => Task.FromResult(true), CancellationToken.None);
        await _access.CheckAsync((_, _) => Task.FromResult(true), CancellationToken.None);

        var reported = Assert.Single(_events, e => e.Kind == "quota-exhausted");
        Assert.Equal(WorkspaceId, reported.WorkspaceId);
        Assert.Contains($"The development namespace {Ns} has used all of its quota for pods (20 of 20)", reported.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prepare_NamespaceThatIsNotTheWorkspaces_FailsTheStartAndTouchesNothing()
    {
        using var admin = _cluster.CreateClient();
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Ns } });

        var refused = await Assert.ThrowsAsync<WorkspaceRuntimeException>(() => _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None));

        Assert.Contains($"the namespace {Ns} already exists in the cluster and does not belong to this workspace", refused.Message, StringComparison.Ordinal);
        Assert.Empty(_cluster.List("/serviceaccounts", Ns));
        await _access.DeleteAsync(WorkspaceId, CancellationToken.None);
        Assert.NotNull(_cluster.Get("/namespaces", "", Ns));
    }

    [Fact]
    public async Task Prepare_ReservedNamespaceOrRulesAboveTheCeiling_AreRefusedBeforeReachingTheCluster()
    {
        var system = await Assert.ThrowsAsync<WorkspaceRuntimeException>(() => _access.PrepareAsync(WorkspaceId, new ClusterAccessLaunch("kube-system", null), null, CancellationToken.None));
        var wide = await Assert.ThrowsAsync<WorkspaceRuntimeException>(() => _access.PrepareAsync(WorkspaceId, Launch([ClusterAccessRule.Of(["rbac.authorization.k8s.io"], ["clusterrolebindings"], ["create"])]), null, CancellationToken.None));

        Assert.Contains("reserved", system.Message, StringComparison.Ordinal);
        Assert.Contains("wider than the administrator allows", wide.Message, StringComparison.Ordinal);
        Assert.Empty(_cluster.List("/namespaces"));
    }

    [Fact]
    public async Task Prepare_ClusterUnreachable_TheWorkspaceStartsWithoutAccessAndItsEventsSayWhy()
    {
        var closed = TestSupport.Network.ClosedPort.Reserve();
        var (local, access) = Create(_cluster.AdminKubeconfig(server: new Uri($"http://127.0.0.1:{closed}")));
        using var _ = local;

        var kube = await access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None);

        Assert.Null(kube);
        Assert.False(Directory.Exists(access.KubeDirectory(WorkspaceId)));
        var reported = Assert.Single(_events);
        Assert.Equal("cluster-access-unavailable", reported.Kind);
        Assert.Contains($"The workspace started without cluster access: the cluster at http://127.0.0.1:{closed} cannot be reached", reported.Message, StringComparison.Ordinal);
        // What was made before the failure (if anything) is not forgotten: deleting the workspace waits for the cluster.
        var delete = await Assert.ThrowsAsync<WorkspaceRuntimeException>(() => access.DeleteAsync(WorkspaceId, CancellationToken.None));
        Assert.Contains($"The development namespace {Ns} could not be deleted: the cluster at http://127.0.0.1:{closed} cannot be reached", delete.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prepare_ProjectTurnedAccessOff_RemovesTheKubeconfigAndRevokesTheToken()
    {
        var kube = (await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None))!;
        using var workspace = _cluster.CreateClient(Token(kube));

        var none = await _access.PrepareAsync(WorkspaceId, null, null, CancellationToken.None);

        Assert.Null(none);
        Assert.False(Directory.Exists(kube.HostDirectory));
        var refused = await Assert.ThrowsAsync<HttpOperationException>(() => workspace.CoreV1.ListNamespacedPodAsync(Ns));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.Response.StatusCode);
    }

    [Fact]
    public async Task Check_NamespaceDeletedAndMadeAgainForAnotherWorkspace_TheFirstGetsNoTokenThereAndLeavesTheOthersAlone()
    {
        const string other = "shop-7hw2n4xp";
        var first = (await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None))!;
        using var admin = _cluster.CreateClient();
        await admin.CoreV1.DeleteNamespaceAsync(Ns);
        await Workspaces.TestSupport.Waiting.Poll.UntilAsync(() => _cluster.Get("/namespaces", "", Ns) is null, TimeSpan.FromSeconds(10), "the namespace to be deleted");
        var second = (await _access.PrepareAsync(other, Launch(), null, CancellationToken.None))!;
        using var theOthers = _cluster.CreateClient(Token(second));

        _time.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        await _access.CheckAsync((_, _) => Task.FromResult(true), CancellationToken.None);
        await _access.RevokeAsync(WorkspaceId, CancellationToken.None);

        Assert.False(Directory.Exists(first.HostDirectory));
        var lost = Assert.Single(_events, e => e.Kind == "cluster-access-lost");
        Assert.Equal(WorkspaceId, lost.WorkspaceId);
        Assert.Contains($"The development namespace {Ns} was deleted outside Workspaces", lost.Message, StringComparison.Ordinal);
        // The first token, the other's and its renewal: none for the first workspace in the other's namespace.
        Assert.Equal(3, _cluster.IssuedTokens.Count);
        Assert.Empty((await theOthers.CoreV1.ListNamespacedPodAsync(Ns)).Items);
        using var renewed = _cluster.CreateClient(Token(second));
        Assert.Empty((await renewed.CoreV1.ListNamespacedPodAsync(Ns)).Items);
    }

    [Fact]
    public async Task Prepare_TwoWorkspacesAtOnceForTheSameNamespace_OneGetsItTheOtherIsRefused()
    {
        var starts = new[] { WorkspaceId, "shop-7hw2n4xp" }.Select(async id =>
        {
            try
            {
                return (id, await _access.PrepareAsync(id, Launch(), null, CancellationToken.None), (Exception?)null);
            }
            catch (WorkspaceRuntimeException e)
            {
                return (id, (LocalKubeconfig?)null, (Exception?)e);
            }
        });

        var results = await Task.WhenAll(starts);

        var winner = Assert.Single(results, r => r.Item2 is not null);
        var loser = Assert.Single(results, r => r.Item3 is not null);
        Assert.Contains($"the namespace {Ns} already exists in the cluster and does not belong to this workspace", loser.Item3!.Message, StringComparison.Ordinal);
        Assert.Equal(winner.id, (string?)_cluster.Get("/namespaces", "", Ns)!["metadata"]!["labels"]!["workspaces.dev/workspace"]);
        Assert.False(Directory.Exists(_access.KubeDirectory(loser.id)));
        Assert.Empty(_events);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task Prepare_KubeDirectoryLeftWithAWiderMode_IsMadePrivateAgain()
    {
        var directory = _access.KubeDirectory(WorkspaceId);
        Directory.CreateDirectory(directory);
        File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);

        await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(directory));
    }

    [Fact]
    public async Task Check_StartedWithoutAccessAfterAStopThatCouldNotRevoke_GetsNoKubeconfigWhileItRuns()
    {
        await _access.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None);
        var closed = TestSupport.Network.ClosedPort.Reserve();
        var (down, unreachable) = Create(_cluster.AdminKubeconfig(server: new Uri($"http://127.0.0.1:{closed}")));
        using var _ = down;
        await unreachable.RevokeAsync(WorkspaceId, CancellationToken.None);
        var kube = await unreachable.PrepareAsync(WorkspaceId, Launch(), null, CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(6));
        await _access.CheckAsync((_, _) => Task.FromResult(true), CancellationToken.None);

        Assert.Null(kube);
        Assert.False(Directory.Exists(_access.KubeDirectory(WorkspaceId)));
        Assert.Single(_cluster.IssuedTokens);
        Assert.Single(_events, e => e.Kind == "cluster-access-unavailable");
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("a/../../b")]
    [InlineData("/etc/x")]
    public async Task Prepare_IdThatIsNotAWorkspaceId_IsRefusedAndNothingIsWritten(string id)
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _access.PrepareAsync(id, Launch(), null, CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(() => _access.DeleteAsync(id, CancellationToken.None));

        Assert.DoesNotContain(Directory.EnumerateFileSystemEntries(_data.Path), p => !Path.GetFileName(p).StartsWith("kubeconfig-", StringComparison.Ordinal) && Path.GetFileName(p) != "workspaces");
        Assert.Empty(Directory.EnumerateFileSystemEntries(_data.Combine("workspaces")));
        Assert.Empty(_cluster.List("/namespaces"));
    }
}
