using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Previews;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>
/// A workspace whose task runs the preview server (<see cref="PreviewServer"/>) on a free loopback port: the setup every
/// preview test starts from, ready and with the port listening.
/// </summary>
public sealed record PreviewWorkspace(string Id, int Port)
{
    /// <summary>The port's entry in .gitpod.yml that most tests declare: named, private.</summary>
    public const string NamedPort = "    name: web\n";

    /// <summary>
    /// A repository holding the preview server and a .gitpod.yml whose task starts it on <paramref name="port"/>.
    /// </summary>
    /// <param name="portAttributes">The port's attributes under <c>ports:</c> (YAML lines); null: the port is not declared.</param>
    /// <param name="beforeServer">Shell run by the task before it execs the server (e.g. writing its pid).</param>
    /// <param name="moreTasks">Further task list entries (YAML lines).</param>
    public static GitRepositoryBuilder Repository(int port, string? portAttributes = NamedPort, string beforeServer = "", string moreTasks = "") =>
        new GitRepositoryBuilder()
            .WithFile(PreviewServer.FileName, PreviewServer.Script)
            .WithFile(".gitpod.yml", $"tasks:\n  - name: server\n    command: {beforeServer}{PreviewServer.Command(port)}\n{moreTasks}"
                + (portAttributes is null ? "" : $"ports:\n  - port: {port}\n{portAttributes}"));

    /// <summary>Creates the repository and a workspace from it, then waits until the workspace is ready and the port listens.</summary>
    public static async Task<PreviewWorkspace> StartAsync(
        ApiClient owner,
        GitRepositoryFixture repositories,
        string repositoryName,
        TimeSpan timeout,
        string? portAttributes = NamedPort,
        string beforeServer = "",
        TimeSpan? readyTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(repositories);
        var port = PreviewServer.FreePort();
        var repository = await repositories.CreateAsync(repositoryName, Repository(port, portAttributes, beforeServer));
        var id = (await owner.CreateWorkspaceAsync(repository.FileUrl)).Id;
        await owner.WaitUntilReadyAsync(id, timeout: readyTimeout);
        await owner.WaitUntilPortListensAsync(id, port, timeout);
        return new PreviewWorkspace(id, port);
    }

    /// <summary>Waits until the workspace is ready and the preview server's port listens.</summary>
    public static async Task WaitUntilServingAsync(ApiClient owner, string id, int port, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(owner);
        await owner.WaitUntilReadyAsync(id);
        await owner.WaitUntilPortListensAsync(id, port, timeout);
    }
}
