using Microsoft.Extensions.Options;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Prebuilds;

/// <summary>Prebuild logs, kept as files under <c>{DataDirectory}/prebuild-logs</c>: appended while the prebuild runs, read by the project page.</summary>
public sealed class PrebuildLogs(IOptions<DataDirectoryOptions> options)
{
    public const int MaxReadBytes = 256 * 1024;

    private string Directory => Path.Combine(options.Value.DataDirectory, "prebuild-logs");

    public string PathFor(string prebuildId) => Path.Combine(Directory, prebuildId + ".log");

    public async Task AppendAsync(string prebuildId, string text, CancellationToken cancellationToken)
    {
        System.IO.Directory.CreateDirectory(Directory);
        await File.AppendAllTextAsync(PathFor(prebuildId), text, cancellationToken);
    }

    /// <summary>The log from <paramref name="offset"/> (at most <see cref="MaxReadBytes"/>), and its total length.</summary>
    public async Task<(string Text, long Length)> ReadAsync(string prebuildId, long offset, CancellationToken cancellationToken)
    {
        try
        {
            await using var stream = new FileStream(PathFor(prebuildId), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = stream.Length;
            // A first read shows the end of a long log.
            var from = offset < 0 ? Math.Max(0, length - MaxReadBytes) : Math.Min(offset, length);
            stream.Seek(from, SeekOrigin.Begin);
            var buffer = new byte[(int)Math.Min(MaxReadBytes, length - from)];
            await stream.ReadExactlyAsync(buffer, cancellationToken);
            return (System.Text.Encoding.UTF8.GetString(buffer), from + buffer.Length);
        }
        catch (FileNotFoundException)
        {
            return ("", 0);
        }
        catch (DirectoryNotFoundException)
        {
            return ("", 0);
        }
    }

    public void Delete(string prebuildId) => File.Delete(PathFor(prebuildId));
}
