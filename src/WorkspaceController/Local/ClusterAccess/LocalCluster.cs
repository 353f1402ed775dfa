using System.Net;
using System.Text;
using k8s;
using Microsoft.Extensions.Options;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>
/// The cluster of the administrator's kubeconfig: one client for the process, built on first use (building it may run a
/// credential plugin, when allowed), and the server as workspaces reach it (its URL, CA and TLS settings, never the
/// administrator's credentials).
/// </summary>
public sealed class LocalCluster(IOptions<LocalClusterAccessOptions> options) : IDisposable
{
    private readonly Lock _lock = new();
    private (IKubernetes Client, KubernetesClientConfiguration Config)? _built;

    public LocalClusterAccessOptions Options => options.Value;

    public bool Configured => Options.Configured;

    /// <summary>The client with the administrator's credentials; only the service uses it.</summary>
    public IKubernetes Client => Build().Client;

    /// <summary>The API server's URL, as in the kubeconfig.</summary>
    public Uri Server => new(Build().Config.Host);

    /// <summary>The port of an API server on this machine's loopback (kind, k3d): forwarded into each sandbox with cluster access; null otherwise.</summary>
    public int? LoopbackPort => IsLoopback(Server) ? Server.Port : null;

    /// <summary>The cluster's CA certificates as PEM, empty when the kubeconfig names none (plain http, or the system's trust).</summary>
    public string CaPem
    {
        get
        {
            var certificates = Build().Config.SslCaCerts;
            if (certificates is null)
            {
                return "";
            }

            var pem = new StringBuilder();
            foreach (var certificate in certificates)
            {
                pem.Append(certificate.ExportCertificatePem()).Append('\n');
            }

            return pem.ToString();
        }
    }

    public bool SkipTlsVerify => Build().Config.SkipTlsVerify;

    public string? TlsServerName => Build().Config.TlsServerName;

    /// <summary>localhost, 127.0.0.0/8, ::1 and 0.0.0.0 (k3d's kubeconfig): addresses that lead to this machine's loopback.</summary>
    public static bool IsLoopback(Uri server)
    {
        ArgumentNullException.ThrowIfNull(server);
        if (server.IsLoopback)
        {
            return true;
        }

        return IPAddress.TryParse(server.Host.Trim('[', ']'), out var address) && (address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any));
    }

    private (IKubernetes Client, KubernetesClientConfiguration Config) Build()
    {
        lock (_lock)
        {
            if (_built is { } built)
            {
                return built;
            }

            if (!Configured)
            {
                throw new InvalidOperationException($"{LocalClusterAccessOptions.SectionName}:Kubeconfig is not set.");
            }

            var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(Options.Kubeconfig, string.IsNullOrWhiteSpace(Options.Context) ? null : Options.Context);
            config.HttpClientTimeout = Options.RequestTimeout;
            _built = (new k8s.Kubernetes(config), config);
            return _built.Value;
        }
    }

    public void Dispose()
    {
        if (_built?.Client is IDisposable disposable)
        {
            disposable.Dispose();
        }
    }
}
