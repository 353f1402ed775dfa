using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using LibGit2Sharp;
using Workspaces.Shared.Repositories;

namespace Workspaces.WorkspaceAgent.Cloning;

/// <summary>
/// Git's smart HTTP protocol for libgit2 over an <see cref="HttpClient"/> from <see cref="GuardedHttpTransport"/>: every
/// connection is checked where it is made. A redirect is followed only to the same scheme, host and port (and then still
/// checked at connect time); any other is refused without contacting its target. A 401 asks the clone's credentials once.
/// </summary>
internal sealed class GuardedHttpSubtransport : RpcSmartSubtransport
{
    private const int MaxRequests = 5;

    private readonly GuardedHttpTransport.Scope _scope = GuardedHttpTransport.Current;
    private readonly HttpClient _client;
    private Uri? _redirectedBase;
    private UsernamePasswordCredentials? _credentials;

    public GuardedHttpSubtransport()
    {
        _client = GuardedHttpTransport.CreateClient(_scope.Network);
    }

    protected override SmartSubtransportStream Action(string url, GitSmartSubtransportAction action) => action switch
    {
        GitSmartSubtransportAction.UploadPackList => new Exchange(this, url, "/info/refs?service=git-upload-pack", null),
        GitSmartSubtransportAction.UploadPack => new Exchange(this, url, "/git-upload-pack", "application/x-git-upload-pack"),
        _ => throw Failed(new InvalidOperationException("Workspaces only clone; pushing goes through the git command line.")),
    };

    /// <summary>Records <paramref name="exception"/> as the clone's failure (the first one wins) and returns it to throw.</summary>
    private Exception Failed(Exception exception)
    {
        _scope.Failure ??= exception.Message;
        return exception;
    }

    protected override void Dispose()
    {
        _client.Dispose();
        base.Dispose();
    }

    private HttpResponseMessage Send(Uri baseUrl, string suffix, string? service, byte[]? body)
    {
        var target = new Uri((_redirectedBase ?? baseUrl).AbsoluteUri.TrimEnd('/') + suffix);
        var askedForCredentials = false;
        for (var attempt = 0; attempt < MaxRequests; attempt++)
        {
            using var request = new HttpRequestMessage(body is null ? HttpMethod.Get : HttpMethod.Post, target);
            request.Headers.UserAgent.ParseAdd("git/2.0 (workspaces)");
            request.Headers.Pragma.ParseAdd("no-cache");
            if (service is not null)
            {
                request.Headers.Accept.ParseAdd(service + "-result");
                request.Content = new ByteArrayContent(body ?? []);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(service + "-request");
            }

            if (_credentials is { } credentials)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue(
                    "Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}")));
            }

            var response = SendOnce(request, target);
            if (IsRedirect(response.StatusCode))
            {
                var location = response.Headers.Location;
                response.Dispose();
                target = FollowableRedirect(target, location, suffix);
                continue;
            }

            if (response.StatusCode == HttpStatusCode.Unauthorized && !askedForCredentials)
            {
                response.Dispose();
                askedForCredentials = true;
                AskForCredentials(target);
                continue;
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                var code = (int)response.StatusCode;
                response.Dispose();
                throw new HttpRequestException(string.Create(CultureInfo.InvariantCulture, $"unexpected http status code: {code}"));
            }

            return response;
        }

        throw new HttpRequestException("too many redirects or authentication replays");
    }

    private HttpResponseMessage SendOnce(HttpRequestMessage request, Uri target)
    {
        try
        {
            // libgit2 calls us on the clone's own thread and waits; nothing else runs on it.
            return _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, _scope.CancellationToken).GetAwaiter().GetResult();
        }
        catch (HttpRequestException ex) when (ex.StatusCode is null)
        {
            // Refused by the network rule, no such name, refused, reset, closed before an answer: one message for all.
            throw new RepositoryHostUnreachableException(target.IdnHost);
        }
    }

    private void AskForCredentials(Uri target)
    {
        Credentials? credentials;
        int result;
        try
        {
            result = AcquireCredentials(out credentials, null!, typeof(UsernamePasswordCredentials));
        }
        catch (Exception ex) when (ex is LibGit2SharpException or InvalidOperationException)
        {
            throw new HttpRequestException("too many redirects or authentication replays", ex);
        }

        _credentials = result == 0 ? credentials as UsernamePasswordCredentials : null;
        if (_credentials is null)
        {
            throw new HttpRequestException($"authentication required by {target.IdnHost}: unexpected http status code: 401");
        }
    }

    /// <summary>The redirect's target when it stays on the same scheme, host and port; otherwise the clone stops there.</summary>
    private Uri FollowableRedirect(Uri from, Uri? location, string suffix)
    {
        if (location is null)
        {
            throw new HttpRequestException("the server answered a redirect without a location");
        }

        var to = location.IsAbsoluteUri ? location : new Uri(from, location);
        if (!string.Equals(to.Scheme, from.Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(to.IdnHost, from.IdnHost, StringComparison.OrdinalIgnoreCase)
            || to.Port != from.Port)
        {
            throw new HttpRequestException(
                $"the server redirected the clone to another host ({to.Scheme}://{to.IdnHost}:{to.Port.ToString(CultureInfo.InvariantCulture)}); redirects are followed only within the same host, so clone from the URL it redirects to");
        }

        // As git does: a redirect of the first request moves the repository's base URL for the requests that follow.
        var path = to.GetLeftPart(UriPartial.Path);
        var suffixPath = suffix.Split('?')[0];
        if (path.EndsWith(suffixPath, StringComparison.Ordinal))
        {
            _redirectedBase = new Uri(path[..^suffixPath.Length]);
        }

        return to;
    }

    private static bool IsRedirect(HttpStatusCode status) =>
        status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    /// <summary>One request and its answer: libgit2 writes the request body, then reads the answer.</summary>
    private sealed class Exchange(GuardedHttpSubtransport owner, string url, string suffix, string? service) : SmartSubtransportStream(owner)
    {
        private readonly ArrayBufferWriter<byte> _body = new();
        private HttpResponseMessage? _response;
        private Stream? _responseStream;

        public override int Write(Stream dataStream, long length)
        {
            ArgumentNullException.ThrowIfNull(dataStream);
            var buffer = new byte[Math.Min(length, 64 * 1024)];
            var remaining = length;
            while (remaining > 0)
            {
                var read = dataStream.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (read == 0)
                {
                    throw new EndOfStreamException("libgit2 gave less request data than it announced.");
                }

                _body.Write(buffer.AsSpan(0, read));
                remaining -= read;
            }

            return 0;
        }

        public override int Read(Stream dataStream, long length, out long bytesRead)
        {
            ArgumentNullException.ThrowIfNull(dataStream);
            if (_responseStream is null)
            {
                try
                {
                    _response = owner.Send(new Uri(url), suffix, service, service is null ? null : _body.WrittenSpan.ToArray());
                    _responseStream = _response.Content.ReadAsStream(owner._scope.CancellationToken);
                }
                catch (Exception ex)
                {
                    throw owner.Failed(ex);
                }
            }

            var buffer = new byte[Math.Min(length, 64 * 1024)];
            int read;
            try
            {
                read = _responseStream.Read(buffer, 0, buffer.Length);
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                // A connection cut mid-answer reads like every other unreachable host.
                throw owner.Failed(new RepositoryHostUnreachableException(new Uri(url).IdnHost));
            }

            dataStream.Write(buffer, 0, read);
            bytesRead = read;
            return 0;
        }

        protected override void Free()
        {
            _responseStream?.Dispose();
            _response?.Dispose();
            base.Free();
        }
    }
}
