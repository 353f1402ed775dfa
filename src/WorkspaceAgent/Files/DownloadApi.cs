using System.IO.Compression;

namespace Workspaces.WorkspaceAgent.Files;

/// <summary><c>GET /api/files/download?path=…</c>: a file as is, a folder as a zip archive; always as an attachment.</summary>
public static class DownloadApi
{
    public static IEndpointRouteBuilder MapDownloadApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Shared.Files.FilesHubContract.DownloadPath, DownloadAsync);
        return endpoints;
    }

    private static async Task DownloadAsync(HttpContext context, FileService files)
    {
        string full;
        try
        {
            full = files.Paths.Resolve(context.Request.Query["path"].ToString());
        }
        catch (FileOperationException ex)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            await context.Response.WriteAsync(ex.Message, context.RequestAborted);
            return;
        }

        var info = FileSystemNative.Stat(full, followLinks: true);
        // Never rendered by the browser on the IDE's origin: an HTML or SVG file must not run as the IDE.
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = "sandbox";
        var name = full == files.Paths.Root ? "workspace" : Path.GetFileName(full);
        switch (info?.Type)
        {
            case NodeType.File:
                context.Response.ContentType = "application/octet-stream";
                context.Response.Headers.ContentDisposition = ContentDisposition(name);
                context.Response.ContentLength = info.Value.Size;
                await context.Response.SendFileAsync(full, context.RequestAborted);
                break;
            case NodeType.Directory:
                context.Response.ContentType = "application/zip";
                context.Response.Headers.ContentDisposition = ContentDisposition(name + ".zip");
                // ZipArchive writes its central directory synchronously when it is disposed.
                if (context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpBodyControlFeature>() is { } body)
                {
                    body.AllowSynchronousIO = true;
                }

                await WriteZipAsync(full, files.Paths, context.Response.Body, context.RequestAborted);
                break;
            default:
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                break;
        }
    }

    private static async Task WriteZipAsync(string directory, WorkspacePaths paths, Stream output, CancellationToken cancellationToken)
    {
        await using var zip = new ZipArchive(output, ZipArchiveMode.Create, leaveOpen: true);
        var options = new EnumerationOptions { IgnoreInaccessible = true, RecurseSubdirectories = true, AttributesToSkip = 0 };
        foreach (var file in Directory.EnumerateFiles(directory, "*", options))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var real = FileSystemNative.RealPath(file);
            if (real is null || !paths.IsInside(real) || FileSystemNative.Stat(file, followLinks: true) is not { Type: NodeType.File })
            {
                continue; // Links out of the workspace and devices stay out of the archive.
            }

            var entry = zip.CreateEntry(Path.GetRelativePath(directory, file), CompressionLevel.Fastest);
            await using var target = await entry.OpenAsync(cancellationToken);
            await using var source = File.OpenRead(file);
            await source.CopyToAsync(target, cancellationToken);
        }
    }

    private static string ContentDisposition(string name)
    {
        var ascii = new string(name.Select(c => c is < ' ' or > '~' or '"' or '\\' ? '_' : c).ToArray());
        return $"attachment; filename=\"{ascii}\"; filename*=UTF-8''{Uri.EscapeDataString(name)}";
    }
}
