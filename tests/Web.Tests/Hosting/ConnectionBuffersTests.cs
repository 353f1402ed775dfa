using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workspaces.Web.Hosting;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Hosting;

public sealed class ConnectionBuffersTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    [Fact]
    public void RunningApp_DefaultSettings_KestrelReadsIntoBlocksOf64KiB()
    {
        var factory = fixture.App.Services.GetRequiredService<IMemoryPoolFactory<byte>>();

        using var pool = factory.Create(new MemoryPoolOptions { Owner = "kestrel" });
        using var block = pool.Rent(4096);

        Assert.IsType<ConnectionBufferPoolFactory>(factory);
        Assert.Equal(64 * 1024, pool.MaxBufferSize);
        Assert.True(block.Memory.Length >= 64 * 1024, $"a block of {block.Memory.Length} bytes");
    }

    [Fact]
    public void Block_DisposedTwice_GoesBackToThePoolOnceAndCannotBeUsedAgain()
    {
        using var pool = new ConnectionBufferPoolFactory(Options.Create(new ConnectionBufferOptions { ConnectionBufferBytes = 16 * 1024 })).Create();
        var block = pool.Rent();
        block.Memory.Span.Fill(7);

        block.Dispose();
        block.Dispose();

        Assert.Throws<ObjectDisposedException>(() => block.Memory);
        using var next = pool.Rent();
        using var other = pool.Rent();
        Assert.False(next.Memory.Span.Overlaps(other.Memory.Span), "two blocks rented at once share memory");
        Assert.Throws<ArgumentOutOfRangeException>(() => pool.Rent((16 * 1024) + 1));
    }

    [Theory]
    [InlineData(4 * 1024)]
    [InlineData(64 * 1024)]
    [InlineData(1024 * 1024)]
    public void Validate_SizeWithinBounds_Succeeds(int bytes) =>
        Assert.True(new ConnectionBufferOptionsValidator().Validate(null, new ConnectionBufferOptions { ConnectionBufferBytes = bytes }).Succeeded);

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(4095)]
    [InlineData(100_000)]
    [InlineData(2 * 1024 * 1024)]
    [InlineData(int.MaxValue)]
    public void Validate_SizeOutOfBounds_FailsNamingTheKeyAndTheBounds(int bytes)
    {
        var result = new ConnectionBufferOptionsValidator().Validate(null, new ConnectionBufferOptions { ConnectionBufferBytes = bytes });

        Assert.True(result.Failed);
        Assert.Contains("Workspaces:Hosting:ConnectionBufferBytes", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("power of two between 4096", result.FailureMessage, StringComparison.Ordinal);
    }
}
