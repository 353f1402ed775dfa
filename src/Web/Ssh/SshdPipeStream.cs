using System.IO.Pipes;
using Microsoft.Win32.SafeHandles;

namespace Workspaces.Web.Ssh;

/// <summary>
/// A workspace's sshd as one stream, through the pipes of its standard input and output that its agent handed over:
/// writes go to sshd's input, reads come from its output; disposing closes both, which ends sshd.
/// </summary>
public sealed class SshdPipeStream : Stream
{
    private readonly AnonymousPipeClientStream _input;
    private readonly AnonymousPipeClientStream _output;

    private SshdPipeStream(AnonymousPipeClientStream input, AnonymousPipeClientStream output)
    {
        _input = input;
        _output = output;
    }

    /// <summary>
    /// Takes ownership of both descriptors (closing them on failure): each must be a pipe or socket, the first writable
    /// and the second readable.
    /// </summary>
    public static SshdPipeStream Open(nint input, nint output)
    {
        var inputHandle = new SafePipeHandle(input, ownsHandle: true);
        var outputHandle = new SafePipeHandle(output, ownsHandle: true);
        AnonymousPipeClientStream? inputStream = null;
        try
        {
            inputStream = new AnonymousPipeClientStream(PipeDirection.Out, inputHandle);
            var outputStream = new AnonymousPipeClientStream(PipeDirection.In, outputHandle);
            return new SshdPipeStream(inputStream, outputStream);
        }
        catch (IOException e)
        {
            if (inputStream is null)
            {
                inputHandle.Dispose();
            }
            else
            {
                inputStream.Dispose();
            }

            outputHandle.Dispose();
            throw new IOException($"The agent handed over something other than sshd's pipes: {e.Message}", e);
        }
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _output.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _output.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => _output.Read(buffer, offset, count);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _input.WriteAsync(buffer, cancellationToken);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _input.WriteAsync(buffer, offset, count, cancellationToken);

    public override void Write(byte[] buffer, int offset, int count) => _input.Write(buffer, offset, count);

    public override void Flush()
    {
        // Pipes hold nothing back.
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _input.Dispose();
            _output.Dispose();
        }

        base.Dispose(disposing);
    }
}
