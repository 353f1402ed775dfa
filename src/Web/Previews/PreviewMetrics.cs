using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Workspaces.Web.Previews;

/// <summary>Preview traffic: requests and their latency by how they were let in, and share links used or refused.</summary>
public sealed class PreviewMetrics
{
    public const string MeterName = "Workspaces.Web.Previews";

    private readonly Histogram<double> _duration;
    private readonly Counter<long> _linkUses;
    private readonly Counter<long> _linkRefusals;

    public PreviewMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _duration = meter.CreateHistogram<double>(
            "workspaces.preview.request.duration", "s", "Proxied preview requests (count and latency to the response's end) by access: owner, team, share_link, public.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        _linkUses = meter.CreateCounter<long>("workspaces.share_link.uses", "{request}", "Preview requests let in by a share link.");
        _linkRefusals = meter.CreateCounter<long>("workspaces.share_link.refusals", "{request}", "Requests with a share link that had ended, by reason: revoked, expired.");
    }

    /// <summary>Zero when nothing listens, so a request pays for the clock only when the metric is collected.</summary>
    public long Begin() => _duration.Enabled ? Stopwatch.GetTimestamp() : 0;

    public void Forwarded(long began, PreviewAccessKind kind)
    {
        var access = new KeyValuePair<string, object?>("workspaces.preview.access", Name(kind));
        if (began != 0)
        {
            _duration.Record(Stopwatch.GetElapsedTime(began).TotalSeconds, access);
        }

        if (kind == PreviewAccessKind.ShareLink)
        {
            _linkUses.Add(1);
        }
    }

    public void LinkRefused(bool revoked) =>
        _linkRefusals.Add(1, new KeyValuePair<string, object?>("workspaces.reason", revoked ? "revoked" : "expired"));

    private static string Name(PreviewAccessKind kind) => kind switch
    {
        PreviewAccessKind.Owner => "owner",
        PreviewAccessKind.Team => "team",
        PreviewAccessKind.ShareLink => "share_link",
        _ => "public",
    };
}
