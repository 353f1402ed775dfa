using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Workspaces.Data;
using Workspaces.Data.Prebuilds;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Prebuilds;

/// <summary>
/// Prebuild logs, kept in the database as ordered chunks (<see cref="PrebuildLogChunk"/>) so that they outlive the web
/// app's pod and every replica reads them. The runner writes through a <see cref="PrebuildLogWriter"/> (batches, the
/// size cap, secrets masked); pages and the API read from an offset. A log written as a file by an earlier version
/// (<c>{DataDirectory}/prebuild-logs/{id}.log</c>) is imported into the database the first time it is read.
/// </summary>
public sealed partial class PrebuildLogs(
    IDbContextFactory<WorkspacesDbContext> dbFactory,
    PrebuildLogFeed feed,
    PrebuildEnvironment environment,
    IOptions<DataDirectoryOptions> dataDirectory,
    IOptions<PrebuildOptions> options,
    ILogger<PrebuildLogs> logger) : IDisposable
{
    public const int MaxReadBytes = 256 * 1024;
    private const int ImportBlockChars = 64 * 1024;
    private readonly SemaphoreSlim _importing = new(1, 1);

    public void Dispose() => _importing.Dispose();

    /// <summary>A writer for a prebuild that starts running, masking <paramref name="secrets"/>.</summary>
    public async Task<PrebuildLogWriter> OpenWriterAsync(string prebuildId, SecretMask secrets, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return new PrebuildLogWriter(this, prebuildId, await LengthAsync(db, prebuildId, cancellationToken), secrets, options.Value.MaxLogBytes);
    }

    /// <summary>A line added once the prebuild has ended (marked bad, failed by a restart): at the end, outside the cap.</summary>
    public async Task AppendAsync(string prebuildId, string text, CancellationToken cancellationToken)
    {
        await ImportFileAsync(prebuildId, cancellationToken);
        var content = Encoding.UTF8.GetBytes(text);
        for (var attempt = 1; ; attempt++)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var end = await LengthAsync(db, prebuildId, cancellationToken);
            db.PrebuildLogChunks.Add(new PrebuildLogChunk { PrebuildId = prebuildId, Offset = end, Content = content });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                feed.Publish(prebuildId, end + content.Length);
                return;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another writer took that offset first; append after it.
            }
        }
    }

    /// <summary>
    /// The log from <paramref name="offset"/> (its last <see cref="MaxReadBytes"/> when negative), at most that many
    /// bytes, and the offset to read on from. Where the cap dropped output, the text says how many bytes.
    /// </summary>
    public async Task<(string Text, long Length)> ReadAsync(string prebuildId, long offset, CancellationToken cancellationToken)
    {
        await ImportFileAsync(prebuildId, cancellationToken);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var end = await LengthAsync(db, prebuildId, cancellationToken);
        var from = offset < 0 ? Math.Max(0, end - MaxReadBytes) : Math.Min(offset, end);
        if (from >= end)
        {
            return ("", end);
        }

        var first = await db.PrebuildLogChunks.Where(c => c.PrebuildId == prebuildId && c.Offset <= from).MaxAsync(c => (long?)c.Offset, cancellationToken) ?? 0;
        var chunks = await db.PrebuildLogChunks.AsNoTracking()
            .Where(c => c.PrebuildId == prebuildId && c.Offset >= first && c.Offset < from + MaxReadBytes)
            .OrderBy(c => c.Offset)
            .ToListAsync(cancellationToken);
        var text = new StringBuilder();
        var position = from;
        var budget = MaxReadBytes;
        foreach (var chunk in chunks)
        {
            var content = chunk.Content;
            if (chunk.Offset + content.Length <= position)
            {
                continue;
            }

            if (chunk.Offset > position)
            {
                text.Append(DroppedNote(chunk.Offset - position));
                position = chunk.Offset;
            }

            var skip = (int)(position - chunk.Offset);
            while (skip < content.Length && Utf8.IsContinuation(content[skip]))
            {
                skip++;
            }

            var rest = content.Length - skip;
            var take = rest <= budget ? rest : Utf8.Cut(content, skip, budget);
            text.Append(Encoding.UTF8.GetString(content, skip, take));
            position = chunk.Offset + skip + take;
            budget -= take;
            if (take < rest || budget == 0)
            {
                break;
            }
        }

        return (text.ToString(), position);
    }

    /// <summary>Deletes a prebuild's log (retention; the chunks also go with the prebuild's row).</summary>
    public async Task DeleteAsync(string prebuildId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await db.PrebuildLogChunks.Where(c => c.PrebuildId == prebuildId).ExecuteDeleteAsync(cancellationToken);
        if (LegacyPath(prebuildId) is var file && File.Exists(file))
        {
            File.Delete(file);
        }
    }

    /// <summary>Where an earlier version kept the log as a file.</summary>
    public string LegacyPath(string prebuildId) => Path.Combine(dataDirectory.Value.DataDirectory, "prebuild-logs", prebuildId + ".log");

    internal async Task StoreAsync(string prebuildId, IReadOnlyList<PrebuildLogChunk> added, IReadOnlyList<long> dropped, long length, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (added.Count > 0)
        {
            db.PrebuildLogChunks.AddRange(added);
            await db.SaveChangesAsync(cancellationToken);
        }

        if (dropped.Count > 0)
        {
            var offsets = dropped.ToArray();
            await db.PrebuildLogChunks.Where(c => c.PrebuildId == prebuildId && offsets.Contains(c.Offset)).ExecuteDeleteAsync(cancellationToken);
        }

        feed.Publish(prebuildId, length);
    }

    internal string DroppedNote(long bytes) => string.Create(
        CultureInfo.InvariantCulture,
        $"\n[… {bytes} bytes of output dropped here: a prebuild log keeps its first and last {options.Value.MaxLogBytes / 2 / 1024} KiB (Workspaces:Prebuilds:MaxLogBytes) …]\n");

    private static Task<long> LengthAsync(WorkspacesDbContext db, string prebuildId, CancellationToken cancellationToken) =>
        db.PrebuildLogChunks.Where(c => c.PrebuildId == prebuildId)
            .OrderByDescending(c => c.Offset)
            .Select(c => c.Offset + c.Content.Length)
            .FirstOrDefaultAsync(cancellationToken);

    /// <summary>Moves a log an earlier version wrote as a file into the database (masked and capped as a new one), then deletes the file.</summary>
    private async Task ImportFileAsync(string prebuildId, CancellationToken cancellationToken)
    {
        var path = LegacyPath(prebuildId);
        if (!File.Exists(path))
        {
            return;
        }

        await _importing.WaitAsync(cancellationToken);
        try
        {
            if (!File.Exists(path))
            {
                return;
            }

            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var projectId = await db.Prebuilds.Where(p => p.Id == prebuildId).Select(p => p.ProjectId).FirstOrDefaultAsync(cancellationToken);
            if (projectId is null || await db.PrebuildLogChunks.AnyAsync(c => c.PrebuildId == prebuildId, cancellationToken))
            {
                // No such prebuild (retention deletes the file with it), or imported already and the file left behind.
                File.Delete(path);
                return;
            }

            var secrets = await environment.SecretMaskAsync(projectId, cancellationToken);
            await using (var writer = new PrebuildLogWriter(this, prebuildId, 0, secrets, options.Value.MaxLogBytes))
            using (var reader = new StreamReader(path, Encoding.UTF8))
            {
                var block = new char[ImportBlockChars];
                int read;
                while ((read = await reader.ReadAsync(block, cancellationToken)) > 0)
                {
                    await writer.AppendAsync(new string(block, 0, read), cancellationToken);
                }

                await writer.CompleteAsync(cancellationToken);
            }

            File.Delete(path);
            LogImported(prebuildId);
        }
        finally
        {
            _importing.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The log of prebuild {PrebuildId}, kept as a file by an earlier version, was moved into the database")]
    private partial void LogImported(string prebuildId);
}
