using System.Net;

namespace Workspaces.Web.Previews;

/// <summary>The pages a preview origin answers itself, instead of a bare error: each says what happened and what to do.</summary>
public static class PreviewPages
{
    public static Task NotListeningAsync(HttpContext context, PreviewHost preview) => preview.Service is { } service
        ? WriteAsync(
            context,
            StatusCodes.Status502BadGateway,
            $"Service {service} does not answer on port {preview.Port} yet",
            $"<p>No pod behind Service <code>{Encode(service)}</code> accepts connections on port {preview.Port} yet. In workspace <code>{Encode(preview.WorkspaceId)}</code>, <code>kubectl get pods,endpoints</code> shows whether its pods are ready. This page reloads by itself until they are.</p>",
            refreshSeconds: 2)
        : WriteAsync(
            context,
            StatusCodes.Status502BadGateway,
            $"Nothing is listening on port {preview.Port} yet",
            $"<p>Start your app in workspace <code>{Encode(preview.WorkspaceId)}</code> so that it listens on port {preview.Port}. This page reloads by itself until it does.</p>",
            refreshSeconds: 2);

    /// <summary>A Service (or port) the controller does not report for the workspace: unknown, gone, or an ExternalName Service.</summary>
    public static Task NoSuchServiceAsync(HttpContext context, PreviewHost preview) => WriteAsync(
        context,
        StatusCodes.Status404NotFound,
        $"No Service {preview.Service} with port {preview.Port}",
        $"<p>The development namespace of workspace <code>{Encode(preview.WorkspaceId)}</code> has no Service <code>{Encode(preview.Service ?? "")}</code> with TCP port {preview.Port}, as far as the cluster reports. "
            + "Deploy it (the Ports panel lists it once it exists); ExternalName Services are never previewed. This page reloads by itself.</p>",
        refreshSeconds: 5);

    /// <summary>A port the configuration declares, whose task failed: waiting would not help, and the page says so.</summary>
    public static Task TaskFailedAsync(HttpContext context, PreviewHost preview, Shared.Agent.TaskState task) => WriteAsync(
        context,
        StatusCodes.Status502BadGateway,
        $"The task \u201c{task.Name}\u201d failed, so nothing listens on port {preview.Port}",
        $"<p>It stopped in its {Encode(task.Step ?? "command")} step{(task.ExitCode is { } code ? $" with exit code {code}" : "")}. "
            + $"Open workspace <code>{Encode(preview.WorkspaceId)}</code> and look at the task's output (the status bar says which task failed), "
            + "fix the cause (often another program already uses the port), and run it again. This page reloads by itself once the app listens.</p>",
        refreshSeconds: 5);

    public static Task StoppedAsync(HttpContext context, PreviewHost preview, string? workspaceUrl) => WriteAsync(
        context,
        StatusCodes.Status503ServiceUnavailable,
        "The workspace is not running",
        workspaceUrl is null
            ? "<p>The owner of this workspace has stopped it. This page reloads by itself once it runs again.</p>"
            // A link, not a form: the IDE's session cookie is SameSite, so only a page on the IDE origin can start it (after asking).
            : $"<p>Workspace <code>{Encode(preview.WorkspaceId)}</code> is stopped.</p><p><a class=\"button\" href=\"{Encode(workspaceUrl + "?start=confirm")}\" target=\"_blank\" rel=\"noopener\">Start the workspace…</a></p><p>It opens in a new tab and asks first. This page reloads by itself and shows your app once it runs.</p>",
        refreshSeconds: 5);

    public static Task UnexpectedSwitchAsync(HttpContext context) => WriteAsync(
        context,
        StatusCodes.Status502BadGateway,
        "The app switched protocols unasked",
        "<p>The app answered <code>101 Switching Protocols</code> to a request that asked for no upgrade. Fix the app's handler for this address.</p>");

    public static Task NotFoundAsync(HttpContext context) => WriteAsync(
        context,
        StatusCodes.Status404NotFound,
        "No such preview",
        "<p>There is no workspace port at this address. Check the link, or ask its owner for a new one.</p>");

    public static Task LinkEndedAsync(HttpContext context, bool revoked) => WriteAsync(
        context,
        StatusCodes.Status410Gone,
        revoked ? "This share link was revoked" : "This share link has expired",
        "<p>Ask the person who shared it for a new link.</p>");

    public static Task BadTicketAsync(HttpContext context) => WriteAsync(
        context,
        StatusCodes.Status400BadRequest,
        "This sign-in link is no longer valid",
        "<p>It has expired or was already used. Open the preview again from the workspace.</p>");

    public static Task SignInRequiredAsync(HttpContext context) => WriteAsync(
        context,
        StatusCodes.Status401Unauthorized,
        "This preview is private",
        "<p>Only the owner of the workspace can open it, from the workspace's Ports panel.</p>");

    public static bool WantsHtml(HttpRequest request) =>
        (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method))
        && request.Headers.Accept.ToString().Contains("text/html", StringComparison.OrdinalIgnoreCase);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static async Task WriteAsync(HttpContext context, int status, string title, string body, int? refreshSeconds = null)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Content-Type-Options"] = "nosniff";
        response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
        if (refreshSeconds is { } seconds)
        {
            response.Headers["Refresh"] = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (!WantsHtml(context.Request))
        {
            response.ContentType = "text/plain; charset=utf-8";
            await response.WriteAsync(title + "\n", context.RequestAborted);
            return;
        }

        response.ContentType = "text/html; charset=utf-8";
        await response.WriteAsync(
            $$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{{Encode(title)}}</title>
            <style>
              body { font: 16px/1.5 system-ui, sans-serif; color: #1f2328; max-width: 40rem; margin: 4rem auto; padding: 0 1rem; }
              h1 { font-size: 1.4rem; } code { background: #f0f2f4; padding: 0 .3em; border-radius: 4px; }
              a.button { display: inline-block; background: #1f6feb; color: #fff; padding: .4rem .9rem; border-radius: 6px; text-decoration: none; }
              footer { color: #6e7781; font-size: .85rem; margin-top: 3rem; }
            </style></head>
            <body><h1>{{Encode(title)}}</h1>{{body}}<footer>Workspaces preview</footer></body></html>
            """,
            context.RequestAborted);
    }
}
