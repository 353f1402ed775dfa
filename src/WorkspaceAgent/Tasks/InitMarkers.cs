using System.Globalization;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Tasks;

/// <summary>
/// Remembers, in the persisted state folder, which tasks' <c>init</c> succeeded: init runs once per workspace, never
/// again after a stop and start. One marker per task (<c>init-done-{index}</c>), so a task whose init failed retries on
/// the next start without rerunning the others; <see cref="WorkspaceLayout.InitDoneMarker"/> once all are done.
/// </summary>
public sealed class InitMarkers(WorkspaceLayout layout)
{
    public string PathFor(int index) => string.Create(CultureInfo.InvariantCulture, $"{layout.InitDoneMarker}-{index}");

    public bool IsDone(int index) => File.Exists(PathFor(index));

    public Task MarkDoneAsync(int index, DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(PathFor(index), at, cancellationToken);

    public Task MarkAllDoneAsync(DateTimeOffset at, CancellationToken cancellationToken) =>
        WriteAsync(layout.InitDoneMarker, at, cancellationToken);

    private async Task WriteAsync(string path, DateTimeOffset at, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(layout.StateDirectory);
        await File.WriteAllTextAsync(path, at.ToString("O", CultureInfo.InvariantCulture) + "\n", cancellationToken);
    }
}
