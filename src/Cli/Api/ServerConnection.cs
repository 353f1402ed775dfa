using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Workspaces.Cli.Configuration;

namespace Workspaces.Cli.Api;

/// <summary>
/// The web app's REST API as the CLI calls it: a bearer token, JSON, and every refusal turned into a <see cref="CliException"/>
/// that says what to do next.
/// </summary>
public sealed class ServerConnection : IDisposable
{
    private readonly HttpClient _http;

    public ServerConnection(Uri baseUrl, string? token)
    {
        BaseUrl = baseUrl;
        Token = token;
        _http = new HttpClient(new SocketsHttpHandler { UseProxy = true, AllowAutoRedirect = false }) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(100) };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("workspaces-cli", typeof(ServerConnection).Assembly.GetName().Version?.ToString(3) ?? "0"));
        if (token is not null)
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    public Uri BaseUrl { get; }

    public string? Token { get; }

    /// <summary>The server and token from the options, the environment or the stored login, in that order.</summary>
    public static ServerConnection Resolve(CliSettings settings, string? url, string? token)
    {
        ArgumentNullException.ThrowIfNull(settings);
        url ??= Environment.GetEnvironmentVariable("WORKSPACES_URL");
        token ??= Environment.GetEnvironmentVariable("WORKSPACES_TOKEN");
        var stored = settings.ReadLogin();
        url ??= stored?.Url;
        if (url is null)
        {
            throw new CliException(ExitCodes.NotSignedIn, "Not signed in: run `workspaces login <url>` (or pass --url and --token, or set WORKSPACES_URL and WORKSPACES_TOKEN).");
        }

        if (token is null && stored is not null && SameServer(stored.Url, url))
        {
            token = stored.Token;
        }

        if (token is null)
        {
            throw new CliException(ExitCodes.NotSignedIn, $"No token for {url}: run `workspaces login {url}` (or pass --token, or set WORKSPACES_TOKEN).");
        }

        return new ServerConnection(ParseUrl(url), token);
    }

    public static Uri ParseUrl(string url)
    {
        if (!Uri.TryCreate(url.Contains("://", StringComparison.Ordinal) ? url : "https://" + url, UriKind.Absolute, out var parsed)
            || parsed.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.Usage, $"'{url}' is not a server address: give one like https://workspaces.example.com or http://localhost:5000.");
        }

        return new Uri(parsed.GetLeftPart(UriPartial.Authority) + "/");
    }

    private static bool SameServer(string a, string b) =>
        string.Equals(ParseUrl(a).AbsoluteUri, ParseUrl(b).AbsoluteUri, StringComparison.OrdinalIgnoreCase);

    public void Dispose() => _http.Dispose();

    public Task<JsonNode> GetAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, path, null, cancellationToken);

    public Task<JsonNode> PostAsync(string path, JsonNode? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, path, body, cancellationToken);

    public Task<JsonNode> PutAsync(string path, JsonNode? body, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Put, path, body, cancellationToken);

    public Task<JsonNode> DeleteAsync(string path, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, path, null, cancellationToken);

    /// <summary>The raw response (the caller reads it); refusals are thrown as for the JSON calls.</summary>
    public async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.ServerUnavailable, $"{BaseUrl} did not answer in time ({e.Message}): check the server and try again.");
        }

        if (!response.IsSuccessStatusCode)
        {
            using (response)
            {
                throw await RefusalAsync(response, cancellationToken);
            }
        }

        return response;
    }

    private async Task<JsonNode> SendAsync(HttpMethod method, string path, JsonNode? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path.TrimStart('/'), UriKind.Relative));
        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await SendRawAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) ?? new JsonObject();
    }

    public CliException Unreachable(Exception e) =>
        new(ExitCodes.ServerUnavailable, $"Could not reach {BaseUrl} ({e.Message}): check the address (`workspaces whoami` shows it) and that the server runs.");

    /// <summary>A refusal as the user reads it: the server's own sentence (ProblemDetails) with what to do.</summary>
    public async Task<CliException> RefusalAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(response);
        var detail = await ProblemTextAsync(response, cancellationToken);
        return Refusal(response.StatusCode, detail);
    }

    public CliException Refusal(HttpStatusCode status, string? detail) => status switch
    {
        HttpStatusCode.Unauthorized => new CliException(ExitCodes.NotSignedIn, $"{BaseUrl} refused the token (expired, revoked or never valid): run `workspaces login {BaseUrl}` again."),
        HttpStatusCode.NotFound => new CliException(ExitCodes.NotFound, detail ?? "Not found (or not yours): `workspaces list` shows your workspaces."),
        HttpStatusCode.Forbidden => new CliException(ExitCodes.NotFound, detail ?? "Not allowed: ask the workspace's owner."),
        HttpStatusCode.Conflict => new CliException(ExitCodes.NotRunning, detail ?? "The workspace is not in a state that allows this: `workspaces list` shows its status."),
        HttpStatusCode.NotImplemented => new CliException(ExitCodes.NoSshServer, detail ?? "The workspace has no SSH server: add the package openssh-server to its image."),
        HttpStatusCode.BadRequest or HttpStatusCode.UnprocessableEntity => new CliException(ExitCodes.Usage, detail ?? "The server refused the request as invalid."),
        HttpStatusCode.TooManyRequests => new CliException(ExitCodes.ServerUnavailable, detail ?? "Too many requests: wait a moment and try again."),
        _ => new CliException(ExitCodes.ServerUnavailable, $"{BaseUrl} answered {(int)status} {status}{(detail is null ? "" : ": " + detail)}. Try again; if it persists, tell the server's administrator."),
    };

    private static async Task<string?> ProblemTextAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (text.Length == 0 || JsonNode.Parse(text) is not JsonObject problem)
            {
                return null;
            }

            var parts = new List<string>();
            if (problem["detail"]?.GetValue<string>() is { Length: > 0 } detail)
            {
                parts.Add(detail);
            }
            else if (problem["title"]?.GetValue<string>() is { Length: > 0 } title)
            {
                parts.Add(title);
            }

            if (problem["errors"] is JsonObject errors)
            {
                foreach (var (field, messages) in errors)
                {
                    parts.Add($"{field}: {string.Join(" ", messages?.AsArray().Select(m => m?.GetValue<string>()) ?? [])}");
                }
            }

            return parts.Count == 0 ? null : string.Join(" ", parts);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
