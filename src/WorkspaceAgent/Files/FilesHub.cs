using Microsoft.AspNetCore.SignalR;
using Workspaces.Shared.Files;
using Workspaces.WorkspaceAgent.SourceControl;

namespace Workspaces.WorkspaceAgent.Files;

/// <summary>
/// The file hub at <see cref="Shared.Files.FilesHubContract.Path"/> (contract there). Reached only with the agent secret; the
/// web app authorizes users before it forwards. Refusals reach the client as <see cref="HubException"/> messages.
/// </summary>
public sealed class FilesHub(FileService files, FileIndex index, FileSearch search, FileWatcher watcher) : Hub
{
    public override Task OnConnectedAsync()
    {
        // Nothing watched the tree while nobody was connected: quick open's index may be behind.
        index.Invalidate();
        watcher.AddListener();
        return base.OnConnectedAsync();
    }

    public override Task OnDisconnectedAsync(Exception? exception)
    {
        watcher.RemoveListener();
        return base.OnDisconnectedAsync(exception);
    }

    public DirectoryListing ListDirectory(string path) => Do(() => files.ListDirectory(path));

    public FileContent ReadFile(string path) => Do(() => files.ReadFile(path));

    public byte[] ReadBytes(string path) => Do(() => files.ReadBytes(path));

    public Task<SaveResult> SaveFile(SaveFileRequest request) => DoAsync(() => files.SaveFileAsync(request, Context.ConnectionAborted));

    public FileEntry CreateFile(string path) => Do(() => files.CreateFile(path));

    public FileEntry CreateDirectory(string path) => Do(() => files.CreateDirectory(path));

    public FileEntry Move(string from, string to) => Do(() => files.Move(from, to));

    public FileEntry Duplicate(string path) => Do(() => files.Duplicate(path));

    public void Delete(string path) => Do(() =>
    {
        files.Delete(path);
        return true;
    });

    public Task<FileEntry> Upload(string path, byte[] data, bool append) => DoAsync(() => files.UploadAsync(path, data, append, Context.ConnectionAborted));

    public Task<QuickOpenResult> QuickOpen(string query, int limit) => index.QueryAsync(query, limit, Context.ConnectionAborted);

    public Task<SearchResult> Search(SearchRequest request) => DoAsync(() => search.SearchAsync(request, Context.ConnectionAborted));

    private static T Do<T>(Func<T> action)
    {
        try
        {
            return action();
        }
        catch (FileOperationException ex)
        {
            throw new HubException(ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new HubException(ex.Message);
        }
    }

    private static async Task<T> DoAsync<T>(Func<Task<T>> action)
    {
        try
        {
            return await action();
        }
        catch (FileOperationException ex)
        {
            throw new HubException(ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new HubException(ex.Message);
        }
    }
}

/// <summary>Tells every connected client about changes on disk (debounced by the watcher) and keeps quick open's index fresh.</summary>
internal sealed class FilesChangedNotifier
{
    // Untyped clients: a typed hub context builds a proxy with dynamic code, which the native (AOT) agent does not have.
    public FilesChangedNotifier(FileWatcher watcher, FileIndex index, GitSummaryService gitSummary, IHubContext<FilesHub> hub) =>
        watcher.Changed += changes =>
        {
            if (changes.Overflow || changes.Paths.Count > 0)
            {
                index.Invalidate();
            }

            if (changes.Git)
            {
                gitSummary.RefreshSoon(); // The dashboard's "uncommitted changes" follow the editor's saves.
            }

            _ = hub.Clients.All.SendAsync(Shared.Files.FilesHubContract.FilesChanged, changes);
        };
}
