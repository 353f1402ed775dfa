using k8s;
using k8s.Autorest;
using k8s.Models;
using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Controller;

namespace Workspaces.WorkspaceController.ClusterAccess;

/// <summary>A token from the TokenRequest API, as the controller and the local runtime issue it to a workspace.</summary>
/// <param name="ValidFor">From the caller's now, never longer than the lifetime asked for, whatever the API server's clock says.</param>
public sealed record SessionToken(string Token, TimeSpan ValidFor);

/// <summary>
/// Tokens of a development namespace's service account, bound to its <see cref="ClusterAccessBuilder.SessionName"/>
/// secret: deleting that secret (a stop) kills every token bound to it, which is how a workspace's access is revoked.
/// </summary>
public static class SessionTokens
{
    public static async Task<SessionToken> IssueAsync(IKubernetes client, WorkspaceResource workspace, TimeSpan lifetime, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var ns = ClusterAccessBuilder.Namespace(workspace);
        V1Secret session;
        try
        {
            session = await client.CoreV1.ReadNamespacedSecretAsync(ClusterAccessBuilder.SessionName, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (KubernetesErrors.IsNotFound(e))
        {
            session = await client.CoreV1.CreateNamespacedSecretAsync(ClusterAccessBuilder.Session(workspace), ns, cancellationToken: cancellationToken);
        }

        var request = new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec
            {
                ExpirationSeconds = (long)lifetime.TotalSeconds,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Secret", Name = session.Metadata.Name, Uid = session.Metadata.Uid },
            },
        };
        var issued = await client.CoreV1.CreateNamespacedServiceAccountTokenAsync(request, ClusterAccessBuilder.ServiceAccountName, ns, cancellationToken: cancellationToken);
        var expiresAt = issued.Status.ExpirationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : now + lifetime;
        return new SessionToken(issued.Status.Token, expiresAt - now > lifetime ? lifetime : expiresAt - now);
    }
}
