using System.Formats.Tar;
using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;

namespace Workspaces.Shared.Prebuilds;

/// <summary>
/// A prebuild's checkout as one object in an S3-compatible store, moved by the agent through presigned URLs (the web
/// app signs them with the S3 SDK; the agent holds no store credential): a tar of every entry (dotfiles, <c>.git</c>,
/// links as links) in gzip, whose CRC makes a corrupted archive fail to extract instead of restoring wrong bytes.
/// </summary>
public static class PrebuildArchive
{
    /// <summary>The object's content type.</summary>
    public const string ContentType = "application/gzip";

    /// <summary>How long a transfer may stand still (no byte read, or no answer) before it fails.</summary>
    public static readonly TimeSpan DefaultStallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>Writes <paramref name="directory"/>'s tree into <paramref name="output"/>; returns the number of files.</summary>
    public static async Task<int> WriteAsync(string directory, Stream output, CancellationToken cancellationToken)
    {
        var files = 0;
        await using var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true);
        await using var tar = new TarWriter(gzip, TarEntryFormat.Pax, leaveOpen: true);
        var everything = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false };
        foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", everything))
        {
            await tar.WriteEntryAsync(entry.FullName, Path.GetRelativePath(directory, entry.FullName), cancellationToken);
            files += entry is FileInfo && entry.LinkTarget is null ? 1 : 0;
        }

        return files;
    }

    /// <summary>Extracts an archive into <paramref name="directory"/> (created; it must not exist yet).</summary>
    public static async Task ExtractAsync(Stream input, string directory, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        await using var gzip = new GZipStream(input, CompressionMode.Decompress, leaveOpen: true);
        await TarFile.ExtractToDirectoryAsync(gzip, directory, overwriteFiles: false, cancellationToken);
    }

    /// <summary>
    /// Archives <paramref name="checkout"/> into a temporary file under <paramref name="scratchDirectory"/> (S3 needs the
    /// length up front) and PUTs it to the presigned <paramref name="uploadUrl"/>; returns the archive's size.
    /// </summary>
    /// <exception cref="IOException">The store refused the upload; the message has its answer.</exception>
    public static async Task<long> UploadAsync(HttpClient http, Uri uploadUrl, string checkout, string scratchDirectory, CancellationToken cancellationToken, TimeSpan? stallTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var limit = stallTimeout ?? DefaultStallTimeout;
        Directory.CreateDirectory(scratchDirectory);
        var temporary = Path.Combine(scratchDirectory, "prebuild-archive.tar.gz");
        try
        {
            await using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
            {
                await WriteAsync(checkout, file, cancellationToken);
            }

            using var watchdog = new StallWatchdog(limit, cancellationToken);
            await using var upload = watchdog.Watch(new FileStream(temporary, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true));
            var length = upload.Length;
            using var content = new StreamContent(upload);
            content.Headers.ContentType = new MediaTypeHeaderValue(ContentType);
            content.Headers.ContentLength = length;
            try
            {
                using var response = await http.PutAsync(uploadUrl, content, watchdog.Token);
                if (!response.IsSuccessStatusCode)
                {
                    throw new IOException($"The object store refused the prebuild's archive ({(int)response.StatusCode}): {await ErrorOfAsync(response, watchdog.Token)}");
                }
            }
            catch (OperationCanceledException) when (watchdog.Stalled && !cancellationToken.IsCancellationRequested)
            {
                throw new IOException($"The object store stopped taking the prebuild's archive: nothing moved for {limit.TotalSeconds:0} s.");
            }

            return length;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    /// <summary>Downloads the archive at the presigned <paramref name="downloadUrl"/> and extracts it as <paramref name="checkout"/>.</summary>
    /// <exception cref="IOException">Missing, refused or corrupt; nothing is left at <paramref name="checkout"/>.</exception>
    public static async Task DownloadAsync(HttpClient http, Uri downloadUrl, string checkout, CancellationToken cancellationToken, TimeSpan? stallTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        var limit = stallTimeout ?? DefaultStallTimeout;
        var temporary = checkout.TrimEnd(Path.DirectorySeparatorChar) + ".prebuild-restore";
        using var watchdog = new StallWatchdog(limit, cancellationToken);
        try
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }

            using var response = await http.GetAsync(downloadUrl, HttpCompletionOption.ResponseHeadersRead, watchdog.Token);
            if (!response.IsSuccessStatusCode)
            {
                throw new IOException(response.StatusCode == HttpStatusCode.NotFound
                    ? "the prebuild's archive is missing from the object store"
                    : $"the object store refused the prebuild's archive ({(int)response.StatusCode}): {await ErrorOfAsync(response, watchdog.Token)}");
            }

            await using (var body = watchdog.Watch(await response.Content.ReadAsStreamAsync(watchdog.Token)))
            {
                await ExtractAsync(body, temporary, watchdog.Token);
            }

            Directory.Move(temporary, checkout);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or UnauthorizedAccessException or HttpRequestException)
        {
            throw new IOException($"the prebuild's archive could not be restored: {e.Message}", e);
        }
        catch (OperationCanceledException) when (watchdog.Stalled && !cancellationToken.IsCancellationRequested)
        {
            throw new IOException($"the object store stopped sending the prebuild's archive: nothing arrived for {limit.TotalSeconds:0} s");
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    /// <summary>The S3 error's code and message (an XML body), never the URL (it is a credential).</summary>
    private static async Task<string> ErrorOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var code = Between(body, "<Code>", "</Code>");
        var message = Between(body, "<Message>", "</Message>");
        return code is null && message is null ? response.ReasonPhrase ?? "no reason given" : $"{code} {message}".Trim();
    }

    private static string? Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal);
        var to = from < 0 ? -1 : text.IndexOf(end, from + start.Length, StringComparison.Ordinal);
        return to < 0 ? null : WebUtility.HtmlDecode(text[(from + start.Length)..to]);
    }
}
