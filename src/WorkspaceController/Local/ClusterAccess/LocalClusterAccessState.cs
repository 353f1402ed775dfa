using System.Text.Json;
using Microsoft.Extensions.Logging;

namespace Workspaces.WorkspaceController.Local.ClusterAccess;

/// <summary>What the service remembers of a workspace's development namespace, beside its directory (never inside it).</summary>
public sealed record LocalClusterAccessState(
    string Namespace,
    string OwnerUid,
    string InsideDirectory,
    DateTimeOffset? TokenExpiresAt = null,
    DateTimeOffset? TerminatingSince = null,
    bool StuckReported = false,
    string? QuotaReported = null,
    DateTimeOffset? PreparedAt = null);

/// <summary>
/// The <see cref="LocalClusterAccessState"/> of each workspace, as <c>{WorkspacesDirectory}/{id}.cluster.json</c>: what
/// the renewals pick up after a restart, and what a delete finds even when the start that made the namespace failed.
/// </summary>
public sealed partial class LocalClusterAccessStore(string root, ILogger logger)
{
    private const string Suffix = ".cluster.json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>A workspace id as the web app makes them, or an <see cref="ArgumentException"/>: an id becomes a host path here.</summary>
    public static string Checked(string workspaceId) =>
        Shared.Repositories.WorkspaceIds.IsValid(workspaceId) ? workspaceId : throw new ArgumentException($"'{workspaceId}' is not a workspace id.", nameof(workspaceId));

    private string PathOf(string workspaceId) => Path.Combine(root, Checked(workspaceId) + Suffix);

    public IEnumerable<string> WorkspaceIds() =>
        Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*" + Suffix).Select(f => Path.GetFileName(f)[..^Suffix.Length]).Where(Shared.Repositories.WorkspaceIds.IsValid)
            : [];

    public LocalClusterAccessState? Read(string workspaceId)
    {
        try
        {
            using var stream = File.OpenRead(PathOf(workspaceId));
            return JsonSerializer.Deserialize<LocalClusterAccessState>(stream, Json);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException)
        {
            LogStateUnreadable(workspaceId, e.Message);
            return null;
        }
    }

    public void Write(string workspaceId, LocalClusterAccessState state)
    {
        var path = PathOf(workspaceId);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(state, Json));
        File.Move(temporary, path, overwrite: true);
    }

    public void Delete(string workspaceId) => File.Delete(PathOf(workspaceId));

    [LoggerMessage(Level = LogLevel.Warning, Message = "The cluster access record of workspace {WorkspaceId} is unreadable: {Problem}")]
    private partial void LogStateUnreadable(string workspaceId, string problem);
}
