using Workspaces.Data.Prebuilds;

namespace Workspaces.Web.Prebuilds;

/// <param name="WebhookSecret">Shown to those who may edit the project only; null otherwise.</param>
/// <param name="ScheduleHours">Hours between scheduled prebuilds of the matching branches' heads; 0: no schedule.</param>
/// <param name="NextScheduledAt">When the schedule comes due next; null without one (or with prebuilds off).</param>
/// <param name="ScheduleAt">The time of day (UTC, <c>HH:mm</c>) the schedule's interval counts from; null without one.</param>
public sealed record PrebuildSettingsView(
    bool Enabled,
    string BranchPatterns,
    int EveryNthCommit,
    int MaxCommitsBehind,
    int KeepPerBranch,
    string WebhookPath,
    string? WebhookSecret,
    int ScheduleHours = 0,
    DateTimeOffset? NextScheduledAt = null,
    string? ScheduleAt = null);

/// <param name="ScheduleHours">0 turns the schedule off; null keeps it as it is.</param>
/// <param name="ScheduleAt">The time of day (UTC, <c>HH:mm</c>) the interval counts from; null keeps it (or counts from the save).</param>
public sealed record PrebuildSettingsRequest(bool Enabled, string? BranchPatterns, int? EveryNthCommit, int? MaxCommitsBehind, int? KeepPerBranch, int? ScheduleHours = null, string? ScheduleAt = null);

/// <param name="Branch">Empty: the repository's default branch.</param>
/// <param name="DurationSeconds">From start to end (or to now while running).</param>
public sealed record PrebuildView(
    string Id,
    string Branch,
    string? Commit,
    PrebuildStatus Status,
    string Trigger,
    string? Message,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    double? DurationSeconds,
    long? SizeBytes,
    string? Storage)
{
    public static PrebuildView From(Prebuild p, DateTimeOffset now) => new(
        p.Id, p.Branch, p.Commit, p.Status, p.Trigger, p.Message, p.CreatedAt, p.StartedAt, p.EndedAt,
        p.StartedAt is { } started ? ((p.EndedAt ?? now) - started).TotalSeconds : null,
        p.SizeBytes, p.Storage);
}

/// <param name="StorageBytes">What this project's snapshots take on disk.</param>
public sealed record ProjectPrebuildsView(PrebuildSettingsView Settings, IReadOnlyList<PrebuildView> Prebuilds, long StorageBytes, bool CanEdit);

public sealed record PrebuildLogView(string Text, long Length, PrebuildStatus Status);

public sealed record RunPrebuildRequest(string? Branch);
