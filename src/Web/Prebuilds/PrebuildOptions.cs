using Microsoft.Extensions.Options;

namespace Workspaces.Web.Prebuilds;

/// <summary>Prebuild limits (section <c>Workspaces:Prebuilds</c>); where snapshots live is <c>Workspaces:Prebuilds:Storage</c>.</summary>
public sealed class PrebuildOptions
{
    public const string SectionName = "Workspaces:Prebuilds";

    /// <summary>A prebuild still running after this is stopped and marked timed out.</summary>
    public TimeSpan TimeLimit { get; set; } = TimeSpan.FromMinutes(60);

    /// <summary>A checkout larger than this is not snapshotted; the prebuild is marked too large, with its size.</summary>
    public long MaxSnapshotBytes { get; set; } = 20L * 1024 * 1024 * 1024;

    /// <summary>Prebuilds that run at the same time; more wait in the queue.</summary>
    public int MaxConcurrent { get; set; } = 1;

    /// <summary>How often old prebuilds and orphaned snapshots are collected.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often projects' prebuild schedules are checked for being due.</summary>
    public TimeSpan ScheduleCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a webhook delivery id is remembered, so that a replay within it is refused.</summary>
    public TimeSpan WebhookReplayWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>The most of a prebuild's log kept in the database: beyond it the first and last halves stay, and the log says how much was dropped between.</summary>
    public long MaxLogBytes { get; set; } = 4L * 1024 * 1024;
}

public sealed class PrebuildOptionsValidator : IValidateOptions<PrebuildOptions>
{
    public const long MinLogBytes = 64 * 1024;
    public const long MaxLogBytesLimit = 256L * 1024 * 1024;

    public ValidateOptionsResult Validate(string? name, PrebuildOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.TimeLimit <= TimeSpan.Zero)
        {
            failures.Add($"{PrebuildOptions.SectionName}:TimeLimit must be positive (a TimeSpan such as 00:30:00).");
        }

        if (options.MaxSnapshotBytes <= 0)
        {
            failures.Add($"{PrebuildOptions.SectionName}:MaxSnapshotBytes must be a positive number of bytes.");
        }

        if (options.MaxConcurrent is < 1 or > 64)
        {
            failures.Add($"{PrebuildOptions.SectionName}:MaxConcurrent must be between 1 and 64.");
        }

        if (options.RetentionInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{PrebuildOptions.SectionName}:RetentionInterval must be at least one second.");
        }

        if (options.ScheduleCheckInterval < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{PrebuildOptions.SectionName}:ScheduleCheckInterval must be at least one second.");
        }

        if (options.WebhookReplayWindow < TimeSpan.FromMinutes(1))
        {
            failures.Add($"{PrebuildOptions.SectionName}:WebhookReplayWindow must be at least one minute.");
        }

        if (options.MaxLogBytes is < MinLogBytes or > MaxLogBytesLimit)
        {
            failures.Add($"{PrebuildOptions.SectionName}:MaxLogBytes must be between {MinLogBytes} (64 KiB) and {MaxLogBytesLimit} (256 MiB) bytes.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
