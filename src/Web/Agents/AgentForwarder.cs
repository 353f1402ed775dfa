using System.Diagnostics;
using System.Net;
using System.Security.Claims;
using System.Text;
using Workspaces.Shared.Agent;
using Workspaces.Shared.Files;
using Workspaces.Shared.Languages;
using Workspaces.Shared.Repositories;
using Workspaces.Shared.SourceControl;
using Workspaces.Shared.Terminals;
using Workspaces.Web.Accounts;
using Workspaces.Web.Credentials;
using Workspaces.Web.Authorization;
using Workspaces.Web.Workspaces;
using Workspaces.WorkspaceController.Runtime;
using Yarp.ReverseProxy.Forwarder;

namespace Workspaces.Web.Agents;

/// <summary>
/// Forwards a browser's connection (a SignalR WebSocket for terminals, files and source control; a download) to its
/// workspace's agent, after checking that the signed-in user may use the workspace. The agent secret is added here and
/// never reaches the browser; the browser's cookies never reach the agent. The source control connection also carries
/// the user's stored Git credential for the repository's host and the user's name, added here, never seen by the browser.
/// </summary>
public sealed partial class AgentForwarder(
    IHttpForwarder forwarder,
    AgentAccess agentAccess,
    AccessService access,
    LiveSessions liveSessions,
    WorkspaceActivity activity,
    GitCredentialService credentials,
    IAgentConnections connections,
    ILogger<AgentForwarder> logger) : IDisposable
{
    /// <summary>Agent paths a browser may reach; everything else (status, logs, the Git summary) is for the web app only.</summary>
    private static readonly string[] BrowserPaths =
    [
        .. new[] { TerminalsHubContract.Path, FilesHubContract.Path, SourceControlHubContract.Path, LanguagesHubContract.Path, FilesHubContract.DownloadPath }
            .Select(p => p.TrimStart('/')),
    ];

    private static readonly string SourceControlPath = SourceControlHubContract.Path.TrimStart('/');

    /// <summary>Headers only the web app may set on a request to an agent; a client's own are dropped.</summary>
    private const string TrustedHeaderPrefix = "X-Workspaces-";

    private readonly HttpMessageInvoker _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        ActivityHeadersPropagator = null,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        ConnectCallback = connections.ConnectCallback(),
    });

    public void Dispose() => _client.Dispose();

    public async Task ForwardAsync(HttpContext context, string workspaceId, string path)
    {
        if (!BrowserPaths.Any(p => path == p || path.StartsWith(p + "/", StringComparison.Ordinal)))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        // A WebSocket from a page on another origin (a preview, another site) must not ride on the user's cookie.
        var origin = context.Request.Headers.Origin.ToString();
        if (origin.Length > 0 && !string.Equals(origin, $"{context.Request.Scheme}://{context.Request.Host}", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return;
        }

        // Watching is enough to connect; a watch-only connection is marked so the agent refuses input (AccessHeader).
        var agent = await agentAccess.FindAsync(context.User.Id(), workspaceId, Permission.WorkspaceWatchTerminals, context.RequestAborted);
        if (agent is null)
        {
            // Who may see the workspace (an administrator) hears that they may not use it; anyone else that it does not exist.
            var found = await access.ForWorkspaceAsync(context.User.Id(), workspaceId, context.RequestAborted);
            context.Response.StatusCode = found?.Can(Permission.WorkspaceView) == true ? StatusCodes.Status403Forbidden : StatusCodes.Status404NotFound;
            return;
        }

        if (agent.AgentUrl is null)
        {
            context.Response.StatusCode = StatusCodes.Status409Conflict;
            await context.Response.WriteAsJsonAsync(new { title = "Workspace not running", detail = "Start the workspace to use its terminals and files." }, context.RequestAborted);
            return;
        }

        var readOnly = !agent.Access.Can(Permission.WorkspaceUseTerminals);
        var headers = new Dictionary<string, string>();
        if (!readOnly && (path == SourceControlPath || path.StartsWith(SourceControlPath + "/", StringComparison.Ordinal)))
        {
            // Pulls and pushes use the token of the one who may change the workspace, never a watcher's.
            await AddGitHeadersAsync(context, agent, headers);
        }

        using var live = liveSessions.Register(context.User.Id(), workspaceId, Permission.WorkspaceWatchTerminals, context);
        using var keepAlive = new CancellationTokenSource();
        var touching = TouchWhileOpenAsync(workspaceId, keepAlive.Token);
        try
        {
            var error = await forwarder.SendAsync(
                context,
                agent.AgentUrl.GetLeftPart(UriPartial.Authority),
                _client,
                new ForwarderRequestConfig { ActivityTimeout = TimeSpan.FromMinutes(10) },
                new AgentTransformer("/" + path, agent.Secret, headers, readOnly));
            if (error != ForwarderError.None)
            {
                LogForwardFailed(workspaceId, error, context.Features.Get<IForwarderErrorFeature>()?.Exception?.Message);
            }
        }
        finally
        {
            await keepAlive.CancelAsync();
            await touching;
        }
    }

    private async Task AddGitHeadersAsync(HttpContext context, AccessibleAgent agent, Dictionary<string, string> headers)
    {
        var email = context.User.FindFirstValue(ClaimTypes.Email) ?? context.User.Identity?.Name;
        if (!string.IsNullOrEmpty(email))
        {
            headers[SourceControlHubContract.UserEmailHeader] = email;
            headers[SourceControlHubContract.UserNameHeader] = Uri.EscapeDataString(email.Split('@')[0]);
        }

        if (RepositoryReference.TryParse(agent.Workspace.RepositoryUrl, null, out var reference, out _) && reference.Host is { } host
            && await credentials.FindForHostAsync(context.User.Id(), host, context.RequestAborted) is { } credential)
        {
            var pair = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credential.Username}:{credential.Password}"));
            headers[SourceControlHubContract.CredentialHeader] = $"{GitCredentialService.NormalizeHost(host)} {pair}";
        }
    }

    // An open terminal is activity: it keeps the workspace from being stopped as idle.
    private async Task TouchWhileOpenAsync(string workspaceId, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30));
            do
            {
                await activity.TouchAsync(workspaceId, cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The connection closed.
        }
    }

    private sealed class AgentTransformer(string path, string secret, IReadOnlyDictionary<string, string> headers, bool readOnly) : HttpTransformer
    {
        public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
        {
            await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
            proxyRequest.RequestUri = new Uri(destinationPrefix + path + httpContext.Request.QueryString.Value);
            proxyRequest.Headers.Host = null;
            proxyRequest.Headers.Remove("Cookie");
            proxyRequest.Headers.Remove("Origin");
            proxyRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(AgentProtocol.AuthorizationScheme, secret);

            // Only the web app says who is asking and how much a connection may do; whatever a browser sent under
            // those names goes before the web app's own are added.
            foreach (var name in proxyRequest.Headers.Select(h => h.Key).Where(k => k.StartsWith(TrustedHeaderPrefix, StringComparison.OrdinalIgnoreCase)).ToList())
            {
                proxyRequest.Headers.Remove(name);
            }

            if (readOnly)
            {
                proxyRequest.Headers.Add(AgentProtocol.AccessHeader, AgentProtocol.ReadOnlyAccess);
            }

            foreach (var (name, value) in headers)
            {
                proxyRequest.Headers.TryAddWithoutValidation(name, value);
            }

            Debug.Assert(!proxyRequest.Headers.Contains("Cookie"), "The user's cookies never reach an agent.");
        }

        public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
        {
            // Nothing an agent answers may set cookies on the IDE's origin.
            proxyResponse?.Headers.Remove("Set-Cookie");
            return base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Forwarding to the agent of workspace {WorkspaceId} ended with {Error}: {Reason}")]
    private partial void LogForwardFailed(string workspaceId, ForwarderError error, string? reason);
}
