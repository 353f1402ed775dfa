using System.Buffers;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;

namespace Workspaces.Web.Hosting;

/// <summary>
/// The size of the blocks Kestrel reads connections into and writes responses from. Kestrel's own pool has 4 KiB blocks,
/// so a connection that streams (an SSH tunnel, a terminal's output, a preview's download) costs a receive call, a pipe
/// hand-off and often a wake-up per 4 KiB. With 64 KiB blocks one call takes what has arrived: an <c>scp</c> through the
/// tunnel made 2.7× fewer system calls in the web app (docs/benchmarks.md, SSH). Idle connections hold no block
/// (Kestrel waits for data before renting one); a short request or response holds one block while it is in flight.
/// </summary>
public sealed class ConnectionBufferOptions
{
    public const string SectionName = "Workspaces:Hosting";

    public const int MinimumBytes = 4 * 1024;

    public const int MaximumBytes = 1024 * 1024;

    public int ConnectionBufferBytes { get; set; } = 64 * 1024;
}

public sealed class ConnectionBufferOptionsValidator : IValidateOptions<ConnectionBufferOptions>
{
    public ValidateOptionsResult Validate(string? name, ConnectionBufferOptions options) =>
        options.ConnectionBufferBytes is < ConnectionBufferOptions.MinimumBytes or > ConnectionBufferOptions.MaximumBytes || !int.IsPow2(options.ConnectionBufferBytes)
            ? ValidateOptionsResult.Fail($"{ConnectionBufferOptions.SectionName}:ConnectionBufferBytes is {options.ConnectionBufferBytes}: it must be a power of two between {ConnectionBufferOptions.MinimumBytes} (Kestrel's own block size) and {ConnectionBufferOptions.MaximumBytes} bytes, e.g. 65536.")
            : ValidateOptionsResult.Success;
}

public static class ConnectionBuffers
{
    /// <summary>Kestrel takes its memory pools from this factory (ASP.NET Core 10's <see cref="IMemoryPoolFactory{T}"/>).</summary>
    public static WebApplicationBuilder AddConnectionBuffers(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ConnectionBufferOptions, ConnectionBufferOptionsValidator>(builder.Configuration, ConnectionBufferOptions.SectionName);
        AddPool(builder.Services);
        return builder;
    }

    /// <summary>
    /// Kestrel uses the factory registered last. A host that registers Kestrel's services after Program.cs's (the test
    /// harness's <c>WebApplicationFactory.UseKestrel</c>) calls this once more to serve as a plain run does.
    /// </summary>
    public static void AddPool(IServiceCollection services) => services.AddSingleton<IMemoryPoolFactory<byte>, ConnectionBufferPoolFactory>();
}

/// <summary>
/// Pools of <see cref="ConnectionBufferOptions.ConnectionBufferBytes"/> blocks, each of its own: request bytes (cookies,
/// tokens, files) are never handed to other code of the process that rents from a shared pool. A pool keeps at most
/// <see cref="KeptBlocks"/> returned blocks; more in use at once are allocated and left to the collector when returned.
/// </summary>
public sealed class ConnectionBufferPoolFactory(IOptions<ConnectionBufferOptions> settings) : IMemoryPoolFactory<byte>
{
    public const int KeptBlocks = 64;

    public MemoryPool<byte> Create(MemoryPoolOptions? options = null) => new ConnectionBufferPool(settings.Value.ConnectionBufferBytes);

    private sealed class ConnectionBufferPool(int blockBytes) : MemoryPool<byte>
    {
        private readonly ArrayPool<byte> _blocks = ArrayPool<byte>.Create(blockBytes, KeptBlocks);

        public override int MaxBufferSize => blockBytes;

        public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan(minBufferSize, blockBytes);
            return new Block(_blocks, _blocks.Rent(blockBytes));
        }

        protected override void Dispose(bool disposing)
        {
            // Blocks still rented go back one by one; what the pool keeps goes with it.
        }
    }

    private sealed class Block(ArrayPool<byte> pool, byte[] array) : IMemoryOwner<byte>
    {
        private byte[]? _array = array;

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array)
            {
                pool.Return(array);
            }
        }
    }
}
