using System.Collections.Concurrent;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
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
    public async Task Watcher_CheckoutTouchingTenThousandFiles_TellsClientsWithoutAFlood()
    {
        for (var i = 0; i < 10_000; i++)
        {
            File.WriteAllText(Path.Combine(_root, $"f{i}.txt"), "a");
        }

        await GitCli.RunAsync(_root, "init", "-q", "-b", "main");
        await GitCli.RunAsync(_root, "add", "-A");
        await GitCli.RunAsync(_root, "commit", "-q", "-m", "a");
        await GitCli.RunAsync(_root, "checkout", "-q", "-b", "b");
        for (var i = 0; i < 10_000; i++)
        {
            File.WriteAllText(Path.Combine(_root, $"f{i}.txt"), "b");
        }

        await GitCli.RunAsync(_root, "commit", "-q", "-am", "b");
        var started = TimeProvider.System.GetTimestamp();
        _watcher.AddListener();

        await GitCli.RunAsync(_root, "checkout", "-q", "main");

        // A quick checkout overflows one batch ("reload everything"); one slowed down by a busy machine may instead arrive
        // as many batches under the limit. Either way the editor learns of every file.
        await Poll.UntilAsync(
            () => _batches.Any(b => b.Overflow) || _batches.SelectMany(b => b.Paths).Distinct().Count(p => p.StartsWith('f')) == 10_000,
            TimeSpan.FromSeconds(60),
            "an overflow batch or batches naming all 10,000 files");
        var batches = _batches.ToArray();
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        Assert.All(batches, b => Assert.True(b.Paths.Count <= 500, $"a batch of {b.Paths.Count} paths"));
        // Batches are at least one quiet period apart, however long the checkout takes: never one per file.
        Assert.InRange(batches.Length, 1, (int)(elapsed / new FilesOptions().ChangeDebounce) + 1);
    }

    [Fact]
    public void Watcher_TenThousandChangesAtOnce_SendsOneOverflowBatch()
    {
        var time = new FakeTimeProvider();
        using var watcher = new FileWatcher(new WorkspacePaths(_root), new FilesOptions(), time, NullLogger<FileWatcher>.Instance);
        var batches = new List<FileChanges>();
        watcher.Changed += batches.Add;

        for (var i = 0; i < 10_000; i++)
        {
            watcher.Report(Path.Combine(_root, $"f{i}.txt"));
        }

        time.Advance(new FilesOptions().ChangeDebounce);

        var batch = Assert.Single(batches);
        Assert.True(batch.Overflow);
        Assert.Empty(batch.Paths);
        Assert.True(batch.Git);
    }

    [Fact]
    public void Watcher_ChangesThatKeepComing_ReachClientsAtLeastEverySecond()
    {
        var time = new FakeTimeProvider();
        var options = new FilesOptions();
        using var watcher = new FileWatcher(new WorkspacePaths(_root), options, time, NullLogger<FileWatcher>.Instance);
        var batches = new List<FileChanges>();
        watcher.Changed += batches.Add;

        // A build writing a file every 100 ms for 3 s: never quiet for a whole debounce period.
        for (var i = 0; i < 30; i++)
        {
            watcher.Report(Path.Combine(_root, $"out{i}.js"));
            time.Advance(TimeSpan.FromMilliseconds(100));
        }

        Assert.Equal(3, batches.Count);
        Assert.Equal(30, batches.Sum(b => b.Paths.Count));
    }

    [Fact]
    public void Watcher_OneSave_ReachesClientsAfterTheQuietPeriod()
    {
        var time = new FakeTimeProvider();
        var options = new FilesOptions();
        using var watcher = new FileWatcher(new WorkspacePaths(_root), options, time, NullLogger<FileWatcher>.Instance);
        var batches = new List<FileChanges>();
        watcher.Changed += batches.Add;

        watcher.Report(Path.Combine(_root, "app.js"));
        time.Advance(options.ChangeDebounce - TimeSpan.FromMilliseconds(1));
        Assert.Empty(batches);
        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Equal(["app.js"], Assert.Single(batches).Paths);
    }

    [Fact]
    public async Task Watcher_NoListener_ReportsNothing()
    {
        _watcher.AddListener();
        _watcher.RemoveListener();

        await File.WriteAllTextAsync(Path.Combine(_root, "quiet.txt"), "x");

        // A later change seen by a new listener marks the point by which an unheard write would have been reported.
        _watcher.AddListener();
        await File.WriteAllTextAsync(Path.Combine(_root, "marker.txt"), "x");
        await Poll.UntilAsync(() => _batches.Any(b => b.Paths.Contains("marker.txt")), TimeSpan.FromSeconds(10), "a change batch naming marker.txt");
        Assert.DoesNotContain(_batches, b => b.Paths.Contains("quiet.txt"));
    }
}
