namespace Workspaces.Data;

public class WorkspacesDbContext
{
}
