using Workspaces.WorkspaceAgent.Preparation;

namespace Workspaces.WorkspaceAgent.Tests.Preparation;

public sealed class NetworkReadinessTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("workspaces-network-");

    private string ReadyFile => Path.Combine(_directory.FullName, "pasta.pid");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task WaitAsync_NoReadyFile_TheNetworkIsThereFromTheStart()
    {
        Assert.True(await NetworkReadiness.WaitAsync(null, TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task WaitAsync_FileWrittenLater_ReturnsOnceItHasContent()
    {
        var waiting = NetworkReadiness.WaitAsync(ReadyFile, Long, CancellationToken.None);
        // pasta creates its pid file empty, then writes it when it serves the namespace.
        await File.WriteAllTextAsync(ReadyFile, "");
        Assert.False(waiting.IsCompleted);

        await File.WriteAllTextAsync(ReadyFile, "4242\n");

        Assert.True(await waiting.WaitAsync(Long));
    }

    [Fact]
    public async Task WaitAsync_AlreadyWritten_ReturnsAtOnce()
    {
        await File.WriteAllTextAsync(ReadyFile, "4242\n");

        Assert.True(await NetworkReadiness.WaitAsync(ReadyFile, TimeSpan.Zero, CancellationToken.None));
    }

    [Fact]
    public async Task WaitAsync_NeverWritten_FalseAfterTheTimeout()
    {
        Assert.False(await NetworkReadiness.WaitAsync(ReadyFile, TimeSpan.FromMilliseconds(50), CancellationToken.None));
    }
}
