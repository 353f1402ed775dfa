using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Workspaces.TestSupport.Files;

namespace Workspaces.TestSupport.Git;

/// <summary>
/// A real smart-HTTP Git server on 127.0.0.1 (a free port): Kestrel in front of <c>git http-backend</c> as CGI, streaming
/// both ways so a large clone costs no server memory. Repositories are public, or private behind HTTP Basic auth; a path
/// that names no registered repository is a 404.
/// </summary>
public sealed class SmartHttpGitServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TempDirectory _root;
    private readonly ConcurrentDictionary<string, GitServerCredential?> _repositories = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _requests = new();
    private readonly ConcurrentDictionary<string, string> _redirects = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Func<Task>> _pushHooks = new(StringComparer.Ordinal);
    private int _requestCount;

    private SmartHttpGitServer(WebApplication app, TempDirectory root)
    {
        _app = app;
        _root = root;
    }

    /// <summary>Ends with a slash, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>The folder the bare repositories live in (<c>GIT_PROJECT_ROOT</c>).</summary>
    public string RootDirectory => _root.Path;

    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>Every request seen, as <c>METHOD /path?query</c>, in arrival order.</summary>
    public IReadOnlyCollection<string> Requests => _requests;

    /// <summary>While true, every request's connection is dropped without an answer (a host that went away).</summary>
    public bool DropConnections { get; set; }

    /// <summary>When set, responses are sent at about this many bytes per second (a slow network; a clone to interrupt).</summary>
    public int? ResponseBytesPerSecond { get; set; }

    public static async Task<SmartHttpGitServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var root = TempDirectory.Create("ws-gitserver");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, 0);
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
        });
        var app = builder.Build();
        var server = new SmartHttpGitServer(app, root);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return server;
    }

    /// <summary>The clone URL of <paramref name="name"/>: <c>{BaseUrl}{name}.git</c>.</summary>
    public string RepositoryUrl(string name) => new Uri(BaseUrl, name + ".git").AbsoluteUri;

    /// <summary>Builds a bare repository in the server's folder and serves it; <paramref name="requiredCredential"/> makes it private.</summary>
    public async Task<GitTestRepository> CreateRepositoryAsync(
        string name,
        GitRepositoryBuilder builder,
        GitServerCredential? requiredCredential = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var repository = await builder.BuildAsync(PathFor(name), cancellationToken);
        _repositories[name] = requiredCredential;
        return repository;
    }

    /// <summary>Serves an existing bare repository (linked into the server's folder) under <paramref name="name"/>.</summary>
    public void AddRepository(string name, string bareRepositoryPath, GitServerCredential? requiredCredential = null)
    {
        var path = PathFor(name);
        if (!Directory.Exists(path))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            Directory.CreateSymbolicLink(path, Path.GetFullPath(bareRepositoryPath));
        }

        _repositories[name] = requiredCredential;
    }

    /// <summary>
    /// Answers every request for <paramref name="name"/> with a 302 to <paramref name="targetRepositoryUrl"/> plus the rest of
    /// the request's path and query (a moved repository, or a hostile server pointing the clone elsewhere).
    /// </summary>
    public void AddRedirect(string name, string targetRepositoryUrl)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _redirects[name] = targetRepositoryUrl.TrimEnd('/');
    }

    /// <summary>
    /// Calls <paramref name="onPush"/> after each push to <paramref name="name"/> has been answered, as a Git host sends its
    /// push webhook once the push is in.
    /// </summary>
    public void OnPush(string name, Func<Task> onPush)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        _pushHooks[name] = onPush;
    }

    /// <summary>Makes <paramref name="name"/> unknown to the server (a 404), leaving its files alone.</summary>
    public void RemoveRepository(string name) => _repositories.TryRemove(name, out _);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _root.Dispose();
    }

    private string PathFor(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var path = Path.GetFullPath(Path.Combine(RootDirectory, name + ".git"));
        if (!path.StartsWith(RootDirectory + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{name}' leaves the server's folder.", nameof(name));
        }

        return path;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requestCount);
        _requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString}");
        if (DropConnections)
        {
            context.Abort();
            return;
        }

        var path = context.Request.Path.Value ?? "/";
        foreach (var (from, to) in _redirects)
        {
            if (path.StartsWith($"/{from}.git/", StringComparison.Ordinal))
            {
                context.Response.Redirect(to + path[$"/{from}.git".Length..] + context.Request.QueryString);
                return;
            }
        }

        var repository = _repositories.Keys
            .Where(name => path.StartsWith($"/{name}.git/", StringComparison.Ordinal))
            .MaxBy(name => name.Length);
        if (repository is null)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync("Repository not found\n", context.RequestAborted);
            return;
        }

        var required = _repositories.GetValueOrDefault(repository);
        string? user = null;
        if (required is not null)
        {
            user = AuthenticatedUser(context.Request, required);
            if (user is null)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"git\"";
                await context.Response.WriteAsync("Authentication required\n", context.RequestAborted);
                return;
            }
        }

        if (HttpMethods.IsPost(context.Request.Method) && path.EndsWith("/git-receive-pack", StringComparison.Ordinal)
            && _pushHooks.TryGetValue(repository, out var onPush))
        {
            context.Response.OnCompleted(onPush);
        }

        await GitHttpBackend.ServeAsync(context, RootDirectory, user, ResponseBytesPerSecond);
    }

    private static string? AuthenticatedUser(HttpRequest request, GitServerCredential required)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "Basic ";
        if (!header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(header[prefix.Length..].Trim()));
        }
        catch (FormatException)
        {
            return null;
        }

        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            return null;
        }

        var username = decoded[..colon];
        var password = decoded[(colon + 1)..];
        return username == required.Username && password == required.Password ? username : null;
    }
}
