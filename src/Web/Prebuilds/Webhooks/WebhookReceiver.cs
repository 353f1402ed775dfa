using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Prebuilds;

namespace Workspaces.Web.Prebuilds.Webhooks;

/// <summary>
/// A push webhook at a project's URL. The sender proves it knows the project's webhook secret (each host's scheme, see
/// <see cref="WebhookVerifier"/>) before anything else is looked at; a delivery seen before is refused as a replay.
/// </summary>
public sealed partial class WebhookReceiver(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    PrebuildService prebuilds,
    PrebuildTriggers triggers,
    TimeProvider timeProvider,
    ILogger<WebhookReceiver> logger)
{
    public const int MaxBodyBytes = 5 * 1024 * 1024;

    public async Task<WebhookAnswer> ReceiveAsync(string projectId, IHeaderDictionary headers, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(body);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var settings = await db.ProjectPrebuildSettings.AsNoTracking().FirstOrDefaultAsync(s => s.ProjectId == projectId, cancellationToken);
        if (settings is null)
        {
            return new(StatusCodes.Status404NotFound, "No project with prebuilds has this webhook URL. Copy the URL from the project's prebuild settings (saving them once creates it).");
        }

        if (WebhookVerifier.Detect(headers) is not { } host)
        {
            return new(StatusCodes.Status400BadRequest, "Not a webhook from GitHub, GitLab, Gitea, Forgejo or Bitbucket: none of their event headers is present.");
        }

        if (!WebhookVerifier.Verify(host, headers, body, prebuilds.RevealWebhookSecret(settings)))
        {
            LogRejected(projectId, host);
            return new(StatusCodes.Status401Unauthorized, host == GitHost.GitLab
                ? "The webhook's secret token is not this project's: paste the secret shown in the project's prebuild settings as the webhook's secret token."
                : "The webhook's signature does not match this project's secret: paste the secret shown in the project's prebuild settings as the webhook's secret.");
        }

        var eventName = WebhookVerifier.EventName(host, headers);
        if (eventName is "ping" or "diagnostics:ping")
        {
            return new(StatusCodes.Status200OK, "The webhook works; pushes to the project's prebuild branches will start prebuilds.");
        }

        if (!WebhookVerifier.IsPush(host, eventName))
        {
            return new(StatusCodes.Status400BadRequest, $"Only push events start prebuilds; this was \"{eventName}\". Set the webhook to send push events only.");
        }

        var deliveryId = WebhookVerifier.DeliveryId(host, headers, body);
        db.WebhookDeliveries.Add(new WebhookDelivery { ProjectId = projectId, DeliveryId = deliveryId, ReceivedAt = timeProvider.GetUtcNow() });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            LogReplay(projectId, host);
            return new(StatusCodes.Status409Conflict, "This delivery was received before; a replay is refused.");
        }

        PushEvent? push;
        string? ignored;
        try
        {
            push = PushPayloads.Parse(host, body, out ignored);
        }
        catch (JsonException e)
        {
            return new(StatusCodes.Status400BadRequest, $"The body is not a {host} push payload: {e.Message}");
        }

        if (push is null)
        {
            return new(StatusCodes.Status202Accepted, ignored ?? "Nothing to build in this push.");
        }

        var result = await triggers.OnPushAsync(projectId, push.Branch, push.Commit, push.Commits, push.DefaultBranch, cancellationToken);
        return new(StatusCodes.Status202Accepted, result.Message, result.Prebuild?.Id);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Host} webhook for project {ProjectId} had a bad signature")]
    private partial void LogRejected(string projectId, GitHost host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A {Host} webhook delivery for project {ProjectId} was replayed; refused")]
    private partial void LogReplay(string projectId, GitHost host);
}

/// <param name="PrebuildId">The prebuild the push queued (or found for its commit).</param>
public sealed record WebhookAnswer(int Status, string Message, string? PrebuildId = null);
