using System.Net;
using System.Net.Sockets;
using Workspaces.Shared.Prebuilds;

namespace Workspaces.Shared.Tests.Prebuilds;

/// <summary>An object store that accepts the connection and then says nothing fails the transfer with a clear reason.</summary>
public sealed class PrebuildArchiveStallTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(1);
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> _accepted = [];
    private readonly string _root = Directory.CreateTempSubdirectory("ws-archive-stall-").FullName;

    public PrebuildArchiveStallTests()
    {
        _silent.Start();
        _ = AcceptForeverAsync();
    }

    private Uri Url => new($"http://127.0.0.1:{((IPEndPoint)_silent.LocalEndpoint).Port}/bucket/prebuild-a1?X-Amz-Signature=secret-signature");

    public void Dispose()
    {
        _silent.Stop();
        foreach (var client in _accepted)
        {
            client.Dispose();
        }

        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Download_StoreGoesSilent_FailsSayingSoAndLeavesNoCheckout()
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var checkout = Path.Combine(_root, "app");

        var error = await Assert.ThrowsAsync<IOException>(() => PrebuildArchive.DownloadAsync(http, Url, checkout, CancellationToken.None, Limit));

        Assert.Contains("stopped sending", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-signature", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(checkout));
        Assert.False(Directory.Exists(checkout + ".prebuild-restore"));
    }

    [Fact]
    public async Task Upload_StoreGoesSilent_FailsSayingSoAndRemovesItsScratchFile()
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var checkout = Path.Combine(_root, "app");
        Directory.CreateDirectory(checkout);
        await File.WriteAllTextAsync(Path.Combine(checkout, "index.js"), "console.log('built');\n");
        var scratch = Path.Combine(_root, "scratch");

        var error = await Assert.ThrowsAsync<IOException>(() => PrebuildArchive.UploadAsync(http, Url, checkout, scratch, CancellationToken.None, Limit));

        Assert.Contains("stopped taking", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-signature", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(scratch));
    }

    [Fact]
    public async Task Download_CallerCancels_IsACancellationNotAStall()
    {
        using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        using var cancellation = new CancellationTokenSource();
        var download = PrebuildArchive.DownloadAsync(http, Url, Path.Combine(_root, "app"), cancellation.Token, TimeSpan.FromMinutes(5));

        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download);
    }

    /// <summary>Accepts every connection and never reads or answers.</summary>
    private async Task AcceptForeverAsync()
    {
        try
        {
            while (true)
            {
                _accepted.Add(await _silent.AcceptTcpClientAsync());
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped at the end of the test.
        }
    }
}
