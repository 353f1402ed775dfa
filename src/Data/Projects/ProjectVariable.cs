namespace Workspaces.Data.Projects;

/// <summary>
/// A variable of a project's workspaces. A secret's value is encrypted with Data Protection, never shown again and never
/// logged; a plain variable's value is stored as it is.
/// </summary>
public sealed class ProjectVariable
{
    public long Id { get; set; }

    public required string ProjectId { get; set; }

    public required string Name { get; set; }

    /// <summary>A plain variable's value; null for a secret.</summary>
    public string? Value { get; set; }

    /// <summary>A secret's value, encrypted; null for a plain variable.</summary>
    public string? ProtectedValue { get; set; }

    public bool IsSecret { get; set; }

    /// <summary>
    /// Injected as a file (mode 0600) under the workspace's secrets directory, with <c>NAME_FILE</c> naming its path,
    /// instead of as the variable itself.
    /// </summary>
    public bool AsFile { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
