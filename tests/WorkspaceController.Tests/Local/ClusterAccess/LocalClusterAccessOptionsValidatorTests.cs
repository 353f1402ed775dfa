using Workspaces.TestSupport.Files;
using Workspaces.WorkspaceController.ClusterAccess;
using Workspaces.WorkspaceController.Local.ClusterAccess;
using Workspaces.WorkspaceController.Local.Sandbox;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Workspaces.WorkspaceController.Tests.Local.ClusterAccess;

/// <summary>What an administrator reads at start when the local cluster's settings are wrong: the key, the value, what to do.</summary>
public sealed class LocalClusterAccessOptionsValidatorTests : IDisposable
{
    private const string S = "Workspaces:Runtime:Local:ClusterAccess";
    private readonly TempDirectory _dir = TempDirectory.Create("ws-local-cluster-options");
    private readonly LocalClusterAccessOptionsValidator _validator = new();

    public void Dispose() => _dir.Dispose();

    private static string Kubeconfig(string user = "token: abc", string server = "https://127.0.0.1:39245", string cluster = "kind-dev") => $"""
        apiVersion: v1
        kind: Config
        clusters:
          - name: kind-dev
            cluster:
              server: {server}
        users:
          - name: kind-dev
            user:
              {user}
        contexts:
          - name: kind-dev
            context:
              cluster: {cluster}
              user: kind-dev
          - name: other
            context:
              cluster: kind-dev
              user: kind-dev
        current-context: kind-dev

        """;

    private LocalClusterAccessOptions Options(string? kubeconfig = null, string context = "")
    {
        var path = _dir.Combine($"config-{Guid.NewGuid():N}");
        File.WriteAllText(path, kubeconfig ?? Kubeconfig());
        return new LocalClusterAccessOptions { Kubeconfig = path, Context = context };
    }

    private List<string> Failures(LocalClusterAccessOptions options)
    {
        var result = _validator.Validate(null, options);
        return result.Succeeded ? [] : [.. result.Failures!];
    }

    [Fact]
    public void Validate_NotConfigured_IsOffAndFine()
    {
        Assert.Empty(Failures(new LocalClusterAccessOptions()));
    }

    [Fact]
    public void Validate_KindStyleKubeconfigAndContext_Succeeds()
    {
        Assert.Empty(Failures(Options()));
        Assert.Empty(Failures(Options(context: "other")));
    }

    [Fact]
    public void Validate_MissingFile_NamesTheKeyAndThePath()
    {
        var missing = _dir.Combine("nope");

        Assert.Equal([$"{S}:Kubeconfig '{missing}' does not exist: name the administrator's kubeconfig file by its absolute path (kind and k3d write ~/.kube/config)."],
            Failures(new LocalClusterAccessOptions { Kubeconfig = missing }));
    }

    [Fact]
    public void Validate_ContextNotInTheFile_ListsTheOnesThatAre()
    {
        var options = Options(context: "prod");

        Assert.Equal([$"{S}:Context 'prod' is not in '{options.Kubeconfig}'; it has the contexts 'kind-dev', 'other'."], Failures(options));
    }

    [Fact]
    public void Validate_ContextNamingAMissingCluster_SaysWhichCluster()
    {
        var options = Options(Kubeconfig(cluster: "gone"));

        Assert.Equal([$"{S}:Context 'kind-dev' names the cluster 'gone', which is not in '{options.Kubeconfig}'."], Failures(options));
    }

    [Fact]
    public void Validate_ContextWithoutKubeconfig_SaysToNameTheFile()
    {
        Assert.Equal([$"{S}:Context is set but {S}:Kubeconfig is not: name the kubeconfig file that holds the context 'kind-dev'."],
            Failures(new LocalClusterAccessOptions { Context = "kind-dev" }));
    }

    [Fact]
    public void Validate_NotAKubeconfig_SaysItCannotBeRead()
    {
        var failure = Assert.Single(Failures(Options("clusters: [ {")));

        Assert.StartsWith($"{S}:Kubeconfig '", failure, StringComparison.Ordinal);
        Assert.Contains("cannot be read as a kubeconfig", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ExecCredentialPlugin_IsRefusedUnlessAllowed()
    {
        var options = Options(Kubeconfig(user: "exec: { apiVersion: client.authentication.k8s.io/v1, command: /usr/bin/aws-iam-authenticator, args: [token] }"));

        var failure = Assert.Single(Failures(options));
        options.AllowCredentialPlugins = true;

        Assert.Equal($"{S}:Context 'kind-dev': the user 'kind-dev' gets its credentials by running '/usr/bin/aws-iam-authenticator' (an exec credential plugin). The service would run it as its own user; use a context with a certificate or token (kind and k3d write one), or set {S}:AllowCredentialPlugins=true to accept that.", failure);
        Assert.Empty(Failures(options));
    }

    [Fact]
    public void Validate_AuthProvider_IsRefusedUnlessAllowed()
    {
        var failure = Assert.Single(Failures(Options(Kubeconfig(user: "auth-provider: { name: oidc, config: { client-id: x } }"))));

        Assert.Contains("uses the auth-provider 'oidc'", failure, StringComparison.Ordinal);
        Assert.Contains("AllowCredentialPlugins=true", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_PlainHttpToAnotherMachine_IsRefused()
    {
        Assert.Contains("plain http on another machine", Assert.Single(Failures(Options(Kubeconfig(server: "http://10.0.0.5:8080")))), StringComparison.Ordinal);
        Assert.Empty(Failures(Options(Kubeconfig(server: "http://127.0.0.1:8080"))));
    }

    [Fact]
    public void Validate_BadLifetimeQuantityCeilingAndReservedName_EachNamesItsKey()
    {
        var options = Options();
        options.TokenLifetime = TimeSpan.FromMinutes(5);
        options.DevNamespace.Quota["pods"] = "lots";
        options.Ceiling.Add(new ClusterAccessRule());
        options.ReservedNamespaces.Add("Not A Name");

        var failures = Failures(options);

        Assert.Contains($"{S}:TokenLifetime must be between 00:10:00 (Kubernetes' minimum) and 24:00:00 (got 00:05:00).", failures);
        Assert.Contains($"{S}:DevNamespace pods must be a Kubernetes quantity such as 500m, 2Gi or 10 (got 'lots').", failures);
        Assert.Contains($"{S}:Ceiling: every rule needs apiGroups, resources and verbs.", failures);
        Assert.Contains($"{S}:ReservedNamespaces must list namespace names (lowercase letters, digits and '-').", failures);
    }

    private SandboxOptions SandboxShowingTheDirectory()
    {
        var sandbox = new SandboxOptions();
        sandbox.Sandbox.ReadOnlyPaths.Add(_dir.Path);
        sandbox.Sandbox.HiddenPaths.Add(_dir.Combine("hidden"));
        return sandbox;
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Validate_KubeconfigInADirectoryTheSandboxShows_IsRefusedSayingWhereToPutIt()
    {
        var options = Options();
        var validator = new LocalClusterAccessOptionsValidator(MsOptions.Create(SandboxShowingTheDirectory()));

        var result = validator.Validate(null, options);

        var failure = Assert.Single(result.Failures ?? []);
        Assert.StartsWith($"{S}:Kubeconfig: the administrator's credentials in '{options.Kubeconfig}' would be readable by every sandboxed workspace", failure, StringComparison.Ordinal);
        Assert.Contains("Move the file (and what it names) into the service's home or /etc/workspaces", failure, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Exposure_ClientKeyNamedBesideAHiddenKubeconfig_IsRefusedUnlessOnlyItsOwnerReadsItUnderRoot()
    {
        var sandbox = SandboxShowingTheDirectory();
        Directory.CreateDirectory(_dir.Combine("hidden"));
        var key = _dir.Combine("admin.key");
        File.WriteAllText(key, "-----BEGIN PRIVATE KEY-----");
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var path = _dir.Combine("hidden", "config");
        File.WriteAllText(path, Kubeconfig(user: $"client-certificate-data: AAAA\n      client-key: {key}"));
        var options = new LocalClusterAccessOptions { Kubeconfig = path };

        var asService = KubeconfigExposure.Problems(options, sandbox, serviceIsRoot: false).ToList();
        var asRootPrivate = KubeconfigExposure.Problems(options, sandbox, serviceIsRoot: true).ToList();
        File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var asRootReadable = KubeconfigExposure.Problems(options, sandbox, serviceIsRoot: true).ToList();
        sandbox.Isolation = WorkspaceIsolation.None;
        var unisolated = KubeconfigExposure.Problems(options, sandbox, serviceIsRoot: false).ToList();

        Assert.Contains($"'{key}'", Assert.Single(asService), StringComparison.Ordinal);
        Assert.Empty(asRootPrivate);
        Assert.Contains("or make it unreadable to others (chmod o-r)", Assert.Single(asRootReadable), StringComparison.Ordinal);
        Assert.Empty(unisolated);
    }
}
