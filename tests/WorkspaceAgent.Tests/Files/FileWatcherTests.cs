using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Workspaces.Shared.Files;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Waiting;
using Workspaces.WorkspaceAgent.Files;

namespace Workspaces.WorkspaceAgent.Tests.Files;

public sealed class FileWatcherTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("ws-watch");
    private readonly string _root;
    private readonly FileWatcher _watcher;
    private readonly ConcurrentQueue<FileChanges> _batches = new();

    public FileWatcherTests()
    {
        _root = Directory.CreateDirectory(_temp.Combine("repo")).FullName;
        _watcher = new FileWatcher(new WorkspacePaths(_root), new FilesOptions(), TimeProvider.System, NullLogger<FileWatcher>.Instance);
        _watcher.Changed += _batches.Enqueue;
    }

    public void Dispose()
    {
        _watcher.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public async Task Watcher_FileChangedFromATerminal_ReportsItsPath()
    {
        _watcher.AddListener();
        await File.WriteAllTextAsync(Path.Combine(_root, "app.js"), "console.log(1)\n");

        await Poll.UntilAsync(() => _batches.Any(b => b.Paths.Contains("app.js")), TimeSpan.FromSeconds(10), "a change batch naming app.js");
    }

    [Fact]
    public async Task Watcher_CheckoutTouchingTenThousandFiles_SendsAFewOverflowBatchesNotAFlood()
    {
        for (var i = 0; i < 10_000; i++)
        {
            File.WriteAllText(Path.Combine(_root, $"f{i}.txt"), "a");
        }

        await GitCli.RunAsync(_root, "init", "-q");
        await GitCli.RunAsync(_root, "add", "-A");
        await GitCli.RunAsync(_root, "commit", "-q", "-m", "a");
        await GitCli.RunAsync(_root, "checkout", "-q", "-b", "b");
        for (var i = 0; i < 10_000; i++)
        {
            File.WriteAllText(Path.Combine(_root, $"f{i}.txt"), "b");
        }

        await GitCli.RunAsync(_root, "commit", "-q", "-am", "b");
        _watcher.AddListener();

        await GitCli.RunAsync(_root, "checkout", "-q", "main");

        await Poll.UntilAsync(() => _batches.Any(b => b.Overflow), TimeSpan.FromSeconds(10), "an overflow batch");
        await Task.Delay(TimeSpan.FromMilliseconds(500)); // Let stragglers arrive: they must not be thousands either.
        Assert.InRange(_batches.Count, 1, 100); // Thousands would be a flood; a slow checkout on a busy machine spans more debounce windows.
        Assert.All(_batches, b => Assert.True(b.Paths.Count <= 500));
    }

    [Fact]
    public async Task Watcher_NoListener_ReportsNothing()
    {
        _watcher.AddListener();
        _watcher.RemoveListener();

        await File.WriteAllTextAsync(Path.Combine(_root, "quiet.txt"), "x");
        await Task.Delay(TimeSpan.FromMilliseconds(400)); // Absence of an event: nothing to poll for.

        Assert.Empty(_batches);
    }
}
