using System.Net;
using k8s.Autorest;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

public static class KubernetesErrors
{
    public static bool IsStatus(Exception e, HttpStatusCode code) => e is HttpOperationException h && h.Response?.StatusCode == code;

    public static bool IsNotFound(Exception e) => IsStatus(e, HttpStatusCode.NotFound);

    /// <summary>409: the object exists already (create) or changed since it was read (update).</summary>
    public static bool IsConflict(Exception e) => IsStatus(e, HttpStatusCode.Conflict);

    public static async Task IgnoreNotFoundAsync(Func<Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            await action();
        }
        catch (HttpOperationException e) when (IsNotFound(e))
        {
        }
    }
}
