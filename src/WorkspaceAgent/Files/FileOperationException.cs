namespace Workspaces.WorkspaceAgent.Files;

/// <summary>A file operation the agent refuses or cannot do, with a message for the user (the hub sends it as is).</summary>
public sealed class FileOperationException : Exception
{
    public FileOperationException(string message)
        : base(message)
    {
    }

    public FileOperationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public FileOperationException()
    {
    }
}
