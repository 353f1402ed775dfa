using System.Net;
using k8s.Autorest;

namespace Workspaces.WorkspaceController.Kubernetes.Controller;

public static class KubernetesErrors
{
    public static bool IsStatus(Exception e, HttpStatusCode code) => e is HttpOperationException h && h.Response?.StatusCode == code;

    public static bool IsNotFound(Exception e) => IsStatus(e, HttpStatusCode.NotFound);

    /// <summary>409: the object exists already (create) or changed since it was read (update).</summary>
    public static bool IsConflict(Exception e) => IsStatus(e, HttpStatusCode.Conflict);

    /// <summary>422: the object breaks the API server's validation (a name too long, a bad field).</summary>
    public static bool IsInvalid(Exception e) => IsStatus(e, HttpStatusCode.UnprocessableEntity);

    /// <summary>The API server's own words from a failed call's Status body, or the HTTP reason.</summary>
    public static string Message(HttpOperationException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        try
        {
            if (e.Response?.Content is { Length: > 0 } content
                && System.Text.Json.JsonDocument.Parse(content).RootElement.TryGetProperty("message", out var message)
                && message.GetString() is { Length: > 0 } text)
            {
                return text;
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not a Status object: the reason phrase below.
        }

        return e.Response?.ReasonPhrase ?? e.Message;
    }

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
