using System.Runtime.CompilerServices;

// The terminals' scrollback and native layer are internal; their tests need to reach them.
[assembly: InternalsVisibleTo("Workspaces.WorkspaceAgent.Tests")]
