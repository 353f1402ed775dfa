using System.Diagnostics;
using System.Text;
using Workspaces.Shared.Files;
using Workspaces.TestSupport.Files;
using Workspaces.WorkspaceAgent.Files;

namespace Workspaces.WorkspaceAgent.Tests.Files;

public sealed class FileServiceTests : IDisposable
{
    private readonly TempDirectory _temp = TempDirectory.Create("ws-files");
    private readonly string _root;
    private readonly FileService _files;

    public FileServiceTests()
    {
        _root = Directory.CreateDirectory(_temp.Combine("repo")).FullName;
        _files = new FileService(new WorkspacePaths(_root), new FilesOptions { SoftLimitBytes = 64 * 1024, HardLimitBytes = 256 * 1024 });
    }

    public void Dispose()
    {
        _files.Dispose();
        _temp.Dispose();
    }

    public static TheoryData<string, byte[]> Encodings() => new()
    {
        { "utf-8 LF", Encoding.UTF8.GetBytes("héllo\nwörld\n") },
        { "utf-8 CRLF", Encoding.UTF8.GetBytes("héllo\r\nwörld\r\n") },
        { "utf-8 BOM", [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("bom 😀\r\n")] },
        { "utf-16le BOM", [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("utf16 ✓\r\nline 2")] },
        { "utf-16be BOM", [0xFE, 0xFF, .. Encoding.BigEndianUnicode.GetBytes("big endian\n")] },
        { "latin-1", [.. Encoding.Latin1.GetBytes("caf"), 0xE9, (byte)'\n'] },
        { "empty", [] },
        { "no final newline, mixed", Encoding.UTF8.GetBytes("a\r\nb\nc") },
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public async Task SaveFile_UnchangedText_WritesTheSameBytes(string name, byte[] bytes)
    {
        var path = $"{name}.txt";
        await File.WriteAllBytesAsync(Path.Combine(_root, path), bytes);

        var content = _files.ReadFile(path);
        var saved = await _files.SaveFileAsync(new SaveFileRequest(path, content.Text!, content.Version, content.Encoding, content.Bom), CancellationToken.None);

        Assert.Equal(FileContentKind.Text, content.Kind);
        Assert.True(saved.Saved, saved.Message);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(Path.Combine(_root, path)));
        Assert.Equal(content.Version, saved.Version);
    }

    [Fact]
    public async Task ReadFile_DetectsEncodingBomAndLineEndings()
    {
        await File.WriteAllBytesAsync(Path.Combine(_root, "crlf.txt"), [0xEF, 0xBB, 0xBF, .. "a\r\nb\r\n"u8]);
        await File.WriteAllBytesAsync(Path.Combine(_root, "utf16.txt"), [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("x\ny\n")]);

        var crlf = _files.ReadFile("crlf.txt");
        var utf16 = _files.ReadFile("utf16.txt");

        Assert.Equal(("utf-8", true, "CRLF", "a\r\nb\r\n"), (crlf.Encoding, crlf.Bom, crlf.LineEnding, crlf.Text));
        Assert.Equal(("utf-16le", true, "LF", "x\ny\n"), (utf16.Encoding, utf16.Bom, utf16.LineEnding, utf16.Text));
    }

    [Fact]
    public async Task SaveFile_EditedUtf16CrlfFile_KeepsItsEncodingAndBom()
    {
        await File.WriteAllBytesAsync(Path.Combine(_root, "w.txt"), [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("one\r\n")]);
        var content = _files.ReadFile("w.txt");

        await _files.SaveFileAsync(new SaveFileRequest("w.txt", "one\r\ntwo\r\n", content.Version, content.Encoding, content.Bom), CancellationToken.None);

        Assert.Equal([0xFF, 0xFE, .. Encoding.Unicode.GetBytes("one\r\ntwo\r\n")], await File.ReadAllBytesAsync(Path.Combine(_root, "w.txt")));
    }

    [Fact]
    public async Task SaveFile_FileChangedOnDiskSinceOpened_IsRefusedAsAConflictAndKeepsTheOtherChange()
    {
        var file = Path.Combine(_root, "a.txt");
        await File.WriteAllTextAsync(file, "original\n");
        var opened = _files.ReadFile("a.txt");
        await File.WriteAllTextAsync(file, "changed by the formatter\n");

        var result = await _files.SaveFileAsync(new SaveFileRequest("a.txt", "mine\n", opened.Version, opened.Encoding, opened.Bom), CancellationToken.None);

        Assert.False(result.Saved);
        Assert.True(result.Conflict);
        Assert.Equal(_files.ReadFile("a.txt").Version, result.Version);
        Assert.Equal("changed by the formatter\n", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task SaveFile_SameSizeChangeWithinTheSameSecond_IsStillAConflict()
    {
        var file = Path.Combine(_root, "same.txt");
        await File.WriteAllTextAsync(file, "aaaa");
        var opened = _files.ReadFile("same.txt");
        var modified = File.GetLastWriteTimeUtc(file);
        await File.WriteAllTextAsync(file, "bbbb");
        File.SetLastWriteTimeUtc(file, modified);

        var result = await _files.SaveFileAsync(new SaveFileRequest("same.txt", "cccc", opened.Version, opened.Encoding, opened.Bom), CancellationToken.None);

        Assert.True(result.Conflict);
        Assert.Equal("bbbb", await File.ReadAllTextAsync(file));
    }

    [Fact]
    public async Task SaveFile_NewFileWhereOneAppeared_IsAConflict()
    {
        await File.WriteAllTextAsync(Path.Combine(_root, "new.txt"), "someone else's");

        var result = await _files.SaveFileAsync(new SaveFileRequest("new.txt", "mine", null, "utf-8", false), CancellationToken.None);

        Assert.True(result.Conflict);
        Assert.Equal("someone else's", await File.ReadAllTextAsync(Path.Combine(_root, "new.txt")));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task SaveFile_KeepsTheFilesPermissions()
    {
        var file = Path.Combine(_root, "run.sh");
        await File.WriteAllTextAsync(file, "#!/bin/sh\n");
        File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var opened = _files.ReadFile("run.sh");

        await _files.SaveFileAsync(new SaveFileRequest("run.sh", "#!/bin/sh\necho hi\n", opened.Version, opened.Encoding, opened.Bom), CancellationToken.None);

        Assert.True(File.GetUnixFileMode(file).HasFlag(UnixFileMode.UserExecute));
    }

    [Fact]
    public async Task ReadFile_BinaryFile_IsReportedAsBinaryWithoutText()
    {
        await File.WriteAllBytesAsync(Path.Combine(_root, "image.png"), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48]);

        var content = _files.ReadFile("image.png");

        Assert.Equal(FileContentKind.Binary, content.Kind);
        Assert.Null(content.Text);
        Assert.Contains("binary", content.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFile_AboveTheSoftLimit_IsReadOnlyAndAboveTheHardLimitIsRefused()
    {
        await File.WriteAllTextAsync(Path.Combine(_root, "big.log"), new string('x', 100 * 1024));
        await File.WriteAllTextAsync(Path.Combine(_root, "huge.log"), new string('x', 300 * 1024));

        var big = _files.ReadFile("big.log");
        var huge = _files.ReadFile("huge.log");

        Assert.Equal((FileContentKind.Text, true), (big.Kind, big.ReadOnly));
        Assert.Contains("read-only", big.Message, StringComparison.Ordinal);
        Assert.Equal((FileContentKind.TooLarge, (string?)null), (huge.Kind, huge.Text));
        Assert.Contains("limit", huge.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadFile_Fifo_IsRefusedAtOnceInsteadOfHanging()
    {
        using var mkfifo = Process.Start("mkfifo", Path.Combine(_root, "pipe"))!;
        await mkfifo.WaitForExitAsync();

        var error = Assert.Throws<FileOperationException>(() => _files.ReadFile("pipe"));

        Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
        Assert.Contains(_files.ListDirectory(string.Empty).Entries, e => e is { Name: "pipe", Kind: FileEntryKind.Other });
    }

    [Fact]
    public void ListDirectory_HidesGitAndListsFoldersFirst()
    {
        Directory.CreateDirectory(Path.Combine(_root, ".git"));
        Directory.CreateDirectory(Path.Combine(_root, "src"));
        File.WriteAllText(Path.Combine(_root, "README.md"), "readme");
        File.WriteAllText(Path.Combine(_root, ".gitignore"), "bin/");
        File.CreateSymbolicLink(Path.Combine(_root, "etc"), "/etc");

        var listing = _files.ListDirectory(string.Empty);

        Assert.Equal(["src", ".gitignore", "etc", "README.md"], listing.Entries.Select(e => e.Name));
        Assert.Equal(FileEntryKind.Other, listing.Entries.Single(e => e.Name == "etc").Kind);
        Assert.Equal(6, listing.Entries.Single(e => e.Name == "README.md").Size);
    }

    [Fact]
    public void ListDirectory_TenThousandEntries_ListsThemAll()
    {
        var big = Directory.CreateDirectory(Path.Combine(_root, "big")).FullName;
        for (var i = 0; i < 10_000; i++)
        {
            File.WriteAllBytes(Path.Combine(big, $"f{i:D5}.txt"), []);
        }

        var listing = _files.ListDirectory("big");

        Assert.Equal(10_000, listing.Entries.Count);
    }

    [Fact]
    public async Task CreateMoveDuplicateDelete_DoWhatTheTreeShows()
    {
        _files.CreateDirectory("src");
        _files.CreateFile("src/a.txt");
        await File.WriteAllTextAsync(Path.Combine(_root, "src", "a.txt"), "content");

        var moved = _files.Move("src/a.txt", "docs/b.txt");
        var copy = _files.Duplicate("docs/b.txt");
        var copy2 = _files.Duplicate("docs/b.txt");
        var folderCopy = _files.Duplicate("docs");
        _files.Delete("src");

        Assert.Equal("docs/b.txt", moved.Path);
        Assert.Equal(("docs/b copy.txt", "docs/b copy 2.txt", "docs copy"), (copy.Path, copy2.Path, folderCopy.Path));
        Assert.Equal("content", await File.ReadAllTextAsync(Path.Combine(_root, "docs copy", "b copy.txt")));
        Assert.False(Directory.Exists(Path.Combine(_root, "src")));
        Assert.Throws<FileOperationException>(() => _files.CreateFile("docs/b.txt"));
        Assert.Throws<FileOperationException>(() => _files.Move("docs", "docs/inner"));
        Assert.Throws<FileOperationException>(() => _files.Delete(string.Empty));
    }

    [Fact]
    public async Task Upload_InPieces_WritesTheWholeFile()
    {
        await _files.UploadAsync("up/data.bin", [1, 2, 3], append: false, CancellationToken.None);
        await _files.UploadAsync("up/data.bin", [4, 5], append: true, CancellationToken.None);

        Assert.Equal([1, 2, 3, 4, 5], await File.ReadAllBytesAsync(Path.Combine(_root, "up", "data.bin")));
    }
}
