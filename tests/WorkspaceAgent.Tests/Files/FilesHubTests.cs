using System.Collections.Concurrent;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Workspaces.Shared.Files;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Tests.Infrastructure;

namespace Workspaces.WorkspaceAgent.Tests.Files;

/// <summary>The file hub of a real agent over SignalR with MessagePack, as the browser reaches it.</summary>
public sealed class FilesHubTests(TerminalAgentFixture fixture) : IClassFixture<TerminalAgentFixture>, IAsyncLifetime
{
    private HubConnection _hub = null!;
    private readonly ConcurrentQueue<FileChanges> _changes = new();

    private string Checkout => fixture.Agent.Layout.CheckoutDirectory;

    public async Task InitializeAsync()
    {
        _hub = await AgentHubConnections.ConnectAsync(fixture.Agent.BaseAddress, FilesHubContract.Path);
        _hub.On<FileChanges>(FilesHubContract.FilesChanged, _changes.Enqueue);
    }

    public async Task DisposeAsync() => await _hub.DisposeAsync();

    [Fact]
    public async Task ListDirectory_Root_ShowsTheCheckoutWithoutGit()
    {
        var listing = await _hub.InvokeAsync<DirectoryListing>("ListDirectory", string.Empty);

        Assert.Contains(listing.Entries, e => e is { Name: "README.md", Kind: FileEntryKind.File, Path: "README.md" });
        Assert.DoesNotContain(listing.Entries, e => e.Name == ".git");
    }

    [Fact]
    public async Task ReadAndSave_ThroughTheHub_ChangesTheFileOnDisk()
    {
        await File.WriteAllTextAsync(Path.Combine(Checkout, "hub-save.txt"), "before\r\n");
        var content = await _hub.InvokeAsync<FileContent>("ReadFile", "hub-save.txt");

        var result = await _hub.InvokeAsync<SaveResult>("SaveFile", new SaveFileRequest("hub-save.txt", "after\r\n", content.Version, content.Encoding, content.Bom));

        Assert.Equal(("before\r\n", "CRLF"), (content.Text, content.LineEnding));
        Assert.True(result.Saved);
        Assert.Equal("after\r\n", await File.ReadAllTextAsync(Path.Combine(Checkout, "hub-save.txt")));
    }

    [Fact]
    public async Task SaveFile_StaleVersion_ComesBackAsAConflict()
    {
        await File.WriteAllTextAsync(Path.Combine(Checkout, "hub-conflict.txt"), "one");
        var content = await _hub.InvokeAsync<FileContent>("ReadFile", "hub-conflict.txt");
        await File.WriteAllTextAsync(Path.Combine(Checkout, "hub-conflict.txt"), "two");

        var result = await _hub.InvokeAsync<SaveResult>("SaveFile", new SaveFileRequest("hub-conflict.txt", "mine", content.Version, content.Encoding, content.Bom));

        Assert.True(result.Conflict);
        Assert.Equal("two", await File.ReadAllTextAsync(Path.Combine(Checkout, "hub-conflict.txt")));
    }

    [Fact]
    public async Task ReadFile_PathOutsideTheWorkspace_IsRefusedWithTheReason()
    {
        var error = await Assert.ThrowsAsync<HubException>(() => _hub.InvokeAsync<FileContent>("ReadFile", "../.workspace/agent.log"));

        Assert.Contains("'..'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FilesChanged_FileWrittenFromATerminal_ReachesTheClient()
    {
        // The hub runs a client's calls only after its OnConnectedAsync, which starts the watcher: once this answers,
        // the tree is watched (a browser lists the tree first too).
        await _hub.InvokeAsync<DirectoryListing>("ListDirectory", string.Empty);
        await File.WriteAllTextAsync(Path.Combine(Checkout, "from-terminal.txt"), "generated");

        await Poll.UntilAsync(() => _changes.Any(c => c.Paths.Contains("from-terminal.txt")), TimeSpan.FromSeconds(5), "a FilesChanged naming from-terminal.txt");
    }

    [Fact]
    public async Task QuickOpenAndSearch_ThroughTheHub_FindTheReadme()
    {
        var open = await _hub.InvokeAsync<QuickOpenResult>("QuickOpen", "readme", 10);
        var search = await _hub.InvokeAsync<SearchResult>("Search", new SearchRequest("terminals", false, false, false, null, 50));

        Assert.Equal("README.md", open.Matches[0].Path);
        Assert.Contains(search.Matches, m => m is { Path: "README.md", Line: 1 });
    }

    [Fact]
    public async Task ReadOnlyShare_ReadsButCannotChangeFilesOrGit()
    {
        var readOnly = new Dictionary<string, string> { [Workspaces.Shared.Agent.AgentProtocol.AccessHeader] = Workspaces.Shared.Agent.AgentProtocol.ReadOnlyAccess };
        await using var files = await AgentHubConnections.ConnectAsync(fixture.Agent.BaseAddress, FilesHubContract.Path, readOnly);
        await using var git = await AgentHubConnections.ConnectAsync(fixture.Agent.BaseAddress, Workspaces.Shared.SourceControl.SourceControlHubContract.Path, readOnly);

        var content = await files.InvokeAsync<FileContent>("ReadFile", "README.md");
        var save = await Assert.ThrowsAsync<HubException>(() => files.InvokeAsync<SaveResult>("SaveFile", new SaveFileRequest("README.md", "vandalised", content.Version, content.Encoding, content.Bom)));
        var stage = await Assert.ThrowsAsync<HubException>(() => git.InvokeAsync<Workspaces.Shared.SourceControl.GitResult>("Stage", new[] { "README.md" }));

        Assert.Contains("read-only", save.Message, StringComparison.Ordinal);
        Assert.Contains("read-only", stage.Message, StringComparison.Ordinal);
        Assert.Equal("terminals\n", await File.ReadAllTextAsync(Path.Combine(Checkout, "README.md")));
    }

    [Fact]
    public async Task Download_Folder_IsAZipArchive()
    {
        Directory.CreateDirectory(Path.Combine(Checkout, "dl"));
        await File.WriteAllTextAsync(Path.Combine(Checkout, "dl", "a.txt"), "a");
        using var http = new HttpClient { BaseAddress = fixture.Agent.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", TestBootstraps.Secret);

        using var response = await http.GetAsync(new Uri(FilesHubContract.DownloadPath + "?path=dl", UriKind.Relative));
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var zip = new System.IO.Compression.ZipArchive(stream);

        Assert.Equal("attachment; filename=\"dl.zip\"; filename*=UTF-8''dl.zip", response.Content.Headers.ContentDisposition?.ToString());
        Assert.Equal(["a.txt"], zip.Entries.Select(e => e.FullName));
    }
}
