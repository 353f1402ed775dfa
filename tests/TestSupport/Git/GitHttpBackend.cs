using System.Diagnostics;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Workspaces.TestSupport.Git;

/// <summary>Runs one request through <c>git http-backend</c> (CGI/1.1), streaming the request body in and the response out.</summary>
internal static class GitHttpBackend
{
    private const int MaxHeaderBytes = 64 * 1024;

    public static async Task ServeAsync(HttpContext context, string projectRoot, string? remoteUser, int? bytesPerSecond)
    {
        var request = context.Request;
        var abort = context.RequestAborted;
        var startInfo = new ProcessStartInfo("git", ["http-backend"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var env = startInfo.Environment;
        GitCli.ConfigureEnvironment(env);
        env["GIT_PROJECT_ROOT"] = projectRoot;
        env["GIT_HTTP_EXPORT_ALL"] = "1";
        env["GIT_CONFIG_COUNT"] = "1";
        env["GIT_CONFIG_KEY_0"] = "http.receivepack";
        env["GIT_CONFIG_VALUE_0"] = "true";
        env["GATEWAY_INTERFACE"] = "CGI/1.1";
        env["SERVER_PROTOCOL"] = request.Protocol;
        env["REQUEST_METHOD"] = request.Method;
        env["PATH_INFO"] = request.Path.Value;
        env["QUERY_STRING"] = request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty;
        env["REMOTE_ADDR"] = context.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1";
        env["CONTENT_TYPE"] = request.ContentType ?? string.Empty;
        env["CONTENT_LENGTH"] = request.ContentLength?.ToString(System.Globalization.CultureInfo.InvariantCulture);
        env["HTTP_CONTENT_ENCODING"] = request.Headers.ContentEncoding.ToString();
        env["GIT_PROTOCOL"] = request.Headers["Git-Protocol"].ToString();
        if (remoteUser is not null)
        {
            env["REMOTE_USER"] = remoteUser;
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("git http-backend did not start.");
        using var killOnAbort = abort.Register(() => Kill(process));
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        var input = CopyRequestBodyAsync(request.Body, process.StandardInput.BaseStream, abort);
        try
        {
            await CopyResponseAsync(process.StandardOutput.BaseStream, context.Response, bytesPerSecond, abort);
            await input;
            await process.WaitForExitAsync(abort);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && abort.IsCancellationRequested)
        {
            // The client went away; the backend was killed with it.
        }
        finally
        {
            Kill(process);
            await stderr;
        }
    }

    private static async Task CopyRequestBodyAsync(Stream body, Stream stdin, CancellationToken cancellationToken)
    {
        try
        {
            await body.CopyToAsync(stdin, 81920, cancellationToken);
        }
        catch (IOException)
        {
            // The backend stopped reading (it answered an error early); its answer is what matters.
        }
        finally
        {
            try
            {
                await stdin.DisposeAsync();
            }
            catch (IOException)
            {
                // Same: a closed pipe.
            }
        }
    }

    private static async Task CopyResponseAsync(Stream stdout, HttpResponse response, int? bytesPerSecond, CancellationToken cancellationToken)
    {
        var buffer = new byte[81920];
        var filled = 0;
        int headerEnd, bodyStart;
        while (true)
        {
            var read = await stdout.ReadAsync(buffer.AsMemory(filled), cancellationToken);
            if (read == 0)
            {
                throw new InvalidOperationException("git http-backend ended before sending its headers.");
            }

            filled += read;
            (headerEnd, bodyStart) = FindHeaderEnd(buffer.AsSpan(0, filled));
            if (headerEnd >= 0)
            {
                break;
            }

            if (filled >= MaxHeaderBytes || filled == buffer.Length)
            {
                throw new InvalidOperationException("git http-backend sent oversized headers.");
            }
        }

        ApplyHeaders(Encoding.ASCII.GetString(buffer, 0, headerEnd), response);
        await response.Body.WriteAsync(buffer.AsMemory(bodyStart, filled - bodyStart), cancellationToken);
        if (bytesPerSecond is not { } rate)
        {
            await stdout.CopyToAsync(response.Body, buffer.Length, cancellationToken);
            return;
        }

        // Small chunks, each followed by the pause that keeps the average at the rate.
        var chunk = Math.Clamp(rate / 10, 1, buffer.Length);
        int sent;
        while ((sent = await stdout.ReadAsync(buffer.AsMemory(0, chunk), cancellationToken)) > 0)
        {
            await response.Body.WriteAsync(buffer.AsMemory(0, sent), cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            await Task.Delay(TimeSpan.FromSeconds((double)sent / rate), cancellationToken);
        }
    }

    private static (int HeaderEnd, int BodyStart) FindHeaderEnd(ReadOnlySpan<byte> data)
    {
        for (var i = 0; i < data.Length; i++)
        {
            if (data[i] != (byte)'\n')
            {
                continue;
            }

            if (i + 1 < data.Length && data[i + 1] == (byte)'\n')
            {
                return (i, i + 2);
            }

            if (i + 2 < data.Length && data[i + 1] == (byte)'\r' && data[i + 2] == (byte)'\n')
            {
                return (i, i + 3);
            }
        }

        return (-1, -1);
    }

    private static void ApplyHeaders(string headerBlock, HttpResponse response)
    {
        foreach (var rawLine in headerBlock.Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
            {
                continue;
            }

            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Status", StringComparison.OrdinalIgnoreCase))
            {
                response.StatusCode = int.Parse(value.AsSpan(0, 3), System.Globalization.CultureInfo.InvariantCulture);
            }
            else if (!name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers.Append(name, value);
            }
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
