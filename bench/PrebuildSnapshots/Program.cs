// Snapshot and restore throughput of prebuilds on the local runtime, with the product's own LocalPrebuildSnapshots in its
// default settings: a node_modules-like tree (many small files, nested 100 to a directory, half text-like, half random)
// is snapshotted and restored once per storage path.
//
//   dotnet run -c Release --project bench/PrebuildSnapshots -- --archive /tmp/pb-bench --reflink "$(scripts/reflink-fs-for-tests.sh start)/pb-bench" --megabytes 1024 --file-kb 16
//
// --archive DIR    a directory on any filesystem (ext4 here): the tar + zstd path
// --reflink DIR    a directory on Btrfs or XFS with reflinks: the copy-on-write path (omit to skip)
// --megabytes N    the tree's size (default 1024)
// --file-kb N      each file's size (default 16)
using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Workspaces.WorkspaceController.Local;
using Workspaces.WorkspaceController.Prebuilds;

[assembly: System.Runtime.Versioning.UnsupportedOSPlatform("windows")]

var archive = Argument("--archive") ?? Path.Combine(Path.GetTempPath(), "prebuild-snapshot-bench");
var reflink = Argument("--reflink");
var megabytes = int.Parse(Argument("--megabytes") ?? "1024", CultureInfo.InvariantCulture);
var fileKb = int.Parse(Argument("--file-kb") ?? "16", CultureInfo.InvariantCulture);
var files = Math.Max(1, megabytes * 1024 / fileKb);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Tree: {files} files of {fileKb} KiB ({megabytes} MiB), {Environment.ProcessorCount} cores, load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
Run("archive", archive, SnapshotStorageMode.Archive);
if (reflink is not null)
{
    Run("reflink", reflink, SnapshotStorageMode.Reflink);
}

void Run(string name, string root, SnapshotStorageMode mode)
{
    if (Directory.Exists(root))
    {
        Directory.Delete(root, recursive: true);
    }

    var workspaces = Path.Combine(root, "workspaces");
    var tree = Path.Combine(workspaces, "source", "app");
    Generate(tree, files, fileKb * 1024);
    var snapshots = new LocalPrebuildSnapshots(
        // The storage paths themselves: no warm copy (with one, a restore is a rename).
        Options.Create(new LocalSnapshotOptions { Directory = Path.Combine(root, "prebuilds"), Mode = mode, KeepWarmCopy = false }),
        Options.Create(new LocalRuntimeOptions { WorkspacesDirectory = workspaces }),
        NullLogger<LocalPrebuildSnapshots>.Instance);
    var bytes = (double)files * fileKb * 1024;

    var watch = Stopwatch.StartNew();
    var snapshot = snapshots.SnapshotAsync("source", "app", "bench", 0, CancellationToken.None).GetAwaiter().GetResult();
    var snapshotSeconds = watch.Elapsed.TotalSeconds;
    watch.Restart();
    snapshots.RestoreAsync("bench", "restored", "app", CancellationToken.None).GetAwaiter().GetResult();
    var restoreSeconds = watch.Elapsed.TotalSeconds;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name,-8} snapshot {snapshotSeconds,6:0.00} s ({bytes / 1048576 / snapshotSeconds,7:0.0} MiB/s, {files / snapshotSeconds,7:0} files/s, stored {snapshot.StoredBytes / 1048576.0:0} MiB)  restore {restoreSeconds,6:0.00} s ({bytes / 1048576 / restoreSeconds,7:0.0} MiB/s, {files / restoreSeconds,7:0} files/s)"));
    Directory.Delete(root, recursive: true);
}

static void Generate(string root, int count, int size)
{
    // What a checkout also has: Git's hidden directory, a dotfile, a link.
    Directory.CreateDirectory(Path.Combine(root, ".git", "objects"));
    File.WriteAllText(Path.Combine(root, ".git", "HEAD"), "ref: refs/heads/main\n");
    File.WriteAllText(Path.Combine(root, ".gitpod.yml"), "tasks: []\n");
    File.CreateSymbolicLink(Path.Combine(root, "link-to-head"), ".git/HEAD");
    var random = new Random(42);
    var buffer = new byte[size];
    var text = "module.exports = function (a, b) { return a + b; };\n"u8.ToArray();
    for (var i = 0; i < count; i++)
    {
        var directory = Path.Combine(root, "node_modules", $"pkg-{i / 100}", "lib");
        Directory.CreateDirectory(directory);
        if (i % 2 == 0)
        {
            for (var offset = 0; offset < size; offset += text.Length)
            {
                Array.Copy(text, 0, buffer, offset, Math.Min(text.Length, size - offset));
            }
        }
        else
        {
            random.NextBytes(buffer);
        }

        File.WriteAllBytes(Path.Combine(directory, $"file-{i}.js"), buffer);
    }
}

string? Argument(string name)
{
    var index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? args[index + 1] : null;
}
