namespace Workspaces.Data.Prebuilds;

public enum PrebuildStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,

    /// <summary>Stopped at the project's time limit.</summary>
    TimedOut,

    /// <summary>Its snapshot was larger than the size limit and was not kept.</summary>
    TooLarge,

    /// <summary>Its snapshot could not be restored (corrupt or missing); never used again.</summary>
    Bad,
}

/// <summary>A project's repository at one commit with its <c>init</c> done, kept as a snapshot for the next workspaces.</summary>
public sealed class Prebuild
{
    public required string Id { get; set; }

    public required string ProjectId { get; set; }

    public required string Branch { get; set; }

    /// <summary>The commit it ran on: the webhook's, or the branch's head once cloned ("Run prebuild now"); null until known.</summary>
    public string? Commit { get; set; }

    public PrebuildStatus Status { get; set; }

    /// <summary>What started it: <c>push</c>, <c>manual</c>, <c>schedule</c>.</summary>
    public required string Trigger { get; set; }

    /// <summary>What went wrong (or a note), for the project page.</summary>
    public string? Message { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public long? SizeBytes { get; set; }

    /// <summary>How the snapshot is stored (<c>reflink</c>, <c>archive</c>); null without one.</summary>
    public string? Storage { get; set; }
}

/// <summary>A project's prebuild settings (one row per project with prebuilds configured).</summary>
public sealed class ProjectPrebuildSettings
{
    public required string ProjectId { get; set; }

    public bool Enabled { get; set; }

    /// <summary>Branch patterns, one per line (<c>*</c> matches within a path segment, <c>**</c> across); empty: the default branch.</summary>
    public string BranchPatterns { get; set; } = "";

    /// <summary>A push builds when at least this many commits arrived since the last prebuild of its branch (1: every push).</summary>
    public int EveryNthCommit { get; set; } = 1;

    /// <summary>How many commits behind the workspace's commit a prebuild may be and still be used.</summary>
    public int MaxCommitsBehind { get; set; } = 100;

    /// <summary>How many successful prebuilds to keep per branch.</summary>
    public int KeepPerBranch { get; set; } = 3;

    /// <summary>Scheduled prebuilds of each matching branch's head every this many hours; 0: no schedule.</summary>
    public int ScheduleHours { get; set; }

    /// <summary>The slot the schedule last ran at, or the one before its first (null: the first is one interval after <see cref="ScheduleSince"/>).</summary>
    public DateTimeOffset? LastScheduledAt { get; set; }

    /// <summary>What the interval counts from: the chosen time of day (UTC), or when the schedule was turned on or changed.</summary>
    public DateTimeOffset? ScheduleSince { get; set; }

    /// <summary>Commits pushed since the last prebuild, per branch, as <c>branch\tcount</c> lines.</summary>
    public string PendingCommits { get; set; } = "";

    /// <summary>The webhook secret (or token), encrypted with Data Protection.</summary>
    public required string ProtectedWebhookSecret { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A webhook delivery already seen, so a replay of it is refused.</summary>
public sealed class WebhookDelivery
{
    public long Id { get; set; }

    public required string ProjectId { get; set; }

    /// <summary>The host's delivery id (or a hash of the signed body when the host sends none).</summary>
    public required string DeliveryId { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }
}
