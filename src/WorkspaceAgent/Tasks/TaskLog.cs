using System.Text;

namespace Workspaces.WorkspaceAgent.Tasks;

/// <summary>A task's log file: everything its steps printed, with a header and footer line per step written by the agent.</summary>
public static class TaskLog
{
    public static async Task AppendLineAsync(string path, string line, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        await stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\n"), cancellationToken);
    }

    /// <summary>Up to <paramref name="maxBytes"/> from <paramref name="offset"/>, and the log's length then (0 if there is no log yet).</summary>
    public static async Task<(byte[] Data, long Length)> ReadAsync(string path, long offset, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1, FileOptions.Asynchronous);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return ([], 0);
        }

        await using (stream)
        {
            var length = stream.Length;
            if (offset >= length)
            {
                return ([], length);
            }

            var data = new byte[(int)Math.Min(maxBytes, length - offset)];
            stream.Position = offset;
            var read = await stream.ReadAtLeastAsync(data, data.Length, throwOnEndOfStream: false, cancellationToken);
            return (read == data.Length ? data : data[..read], length);
        }
    }
}
