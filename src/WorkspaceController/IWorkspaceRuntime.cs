namespace Workspaces.WorkspaceController;

public interface IWorkspaceRuntime
{
}
