namespace Workspaces.WorkspaceController.Runtime;

/// <summary>The runtime could not do what was asked; the message is meant for the workspace's owner.</summary>
public sealed class WorkspaceRuntimeException : Exception
{
    public WorkspaceRuntimeException(string message)
        : base(message)
    {
    }

    public WorkspaceRuntimeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public WorkspaceRuntimeException()
    {
    }
}
