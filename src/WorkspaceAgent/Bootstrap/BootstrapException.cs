namespace Workspaces.WorkspaceAgent.Bootstrap;

/// <summary>The agent cannot start: its bootstrap is missing or invalid. The message is printed to standard error.</summary>
public sealed class BootstrapException : Exception
{
    public BootstrapException()
    {
    }

    public BootstrapException(string message)
        : base(message)
    {
    }

    public BootstrapException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
