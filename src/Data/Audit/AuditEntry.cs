namespace Workspaces.Data.Audit;

/// <summary>Who did what, when and from where. Never holds a secret value (a secret change names its key only).</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    /// <summary>Null for the system (an idle stop) or an anonymous attempt.</summary>
    public string? ActorId { get; set; }

    public string? ActorEmail { get; set; }

    /// <summary>e.g. <c>user.signed-in</c>, <c>team.member-removed</c>, <c>project.secret-set</c>.</summary>
    public required string Action { get; set; }

    /// <summary>e.g. <c>team</c>, <c>project</c>, <c>workspace</c>, <c>user</c>.</summary>
    public required string TargetKind { get; set; }

    public string? TargetId { get; set; }

    public string? Detail { get; set; }

    /// <summary>The client's IP address.</summary>
    public string? RemoteAddress { get; set; }
}
