namespace Workspaces.ServiceDefaults.Logging;

/// <summary><c>Workspaces:Logging</c>: the console's format.</summary>
public sealed class LoggingOptions
{
    public const string SectionName = "Workspaces:Logging";

    /// <summary><c>Plain</c>: one readable line per entry; <c>Json</c>: one JSON object per line, scopes included.</summary>
    public ConsoleLogFormat Format { get; set; } = ConsoleLogFormat.Plain;
}

public enum ConsoleLogFormat
{
    Plain,
    Json,
}
