using System.Collections.Concurrent;
using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Workspaces.Web.Tests.SingleSignOn;

/// <summary>
/// A real, minimal OpenID Connect provider on Kestrel (a free loopback port): discovery, authorization (it signs in
/// whoever <see cref="NextUser"/> says, as a provider's login page would, and answers with form_post), token (checks the
/// client secret and PKCE) and JWKS endpoints, with ID tokens signed by an RSA key.
/// </summary>
public sealed class TestIdentityProvider : IAsyncDisposable
{
    public const string ClientId = "workspaces";
    public const string ClientSecret = "test-client-secret";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RsaSecurityKey _key;
    private readonly ConcurrentDictionary<string, PendingCode> _codes = new();
    private WebApplication? _app;

    private TestIdentityProvider() => _key = new RsaSecurityKey(_rsa) { KeyId = "test-key-1" };

    public Uri Issuer { get; private set; } = null!;

    /// <summary>Who the next authorization signs in.</summary>
    public ProviderUser NextUser { get; set; } = new("subject-1", "someone@example.com", true);

    /// <summary>How many ID tokens the token endpoint issued.</summary>
    public int TokensIssued => _tokensIssued;

    private int _tokensIssued;

    public static async Task<TestIdentityProvider> StartAsync()
    {
        var provider = new TestIdentityProvider();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapGet("/.well-known/openid-configuration", provider.Discovery);
        app.MapGet("/authorize", provider.Authorize);
        app.MapPost("/token", provider.TokenAsync);
        app.MapGet("/jwks", provider.Jwks);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        provider.Issuer = new Uri(address.TrimEnd('/') + "/");
        provider._app = app;
        return provider;
    }

    private string IssuerText => Issuer.AbsoluteUri.TrimEnd('/');

    private IResult Discovery() => Results.Json(new Dictionary<string, object>
    {
        ["issuer"] = IssuerText,
        ["authorization_endpoint"] = IssuerText + "/authorize",
        ["token_endpoint"] = IssuerText + "/token",
        ["jwks_uri"] = IssuerText + "/jwks",
        ["response_types_supported"] = new[] { "code" },
        ["response_modes_supported"] = new[] { "form_post", "query" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        ["scopes_supported"] = new[] { "openid", "email", "profile" },
        ["token_endpoint_auth_methods_supported"] = new[] { "client_secret_post", "client_secret_basic" },
        ["code_challenge_methods_supported"] = new[] { "S256" },
    });

    private IResult Authorize(HttpRequest request)
    {
        var query = request.Query;
        if (query["client_id"] != ClientId || query["response_type"] != "code" || string.IsNullOrEmpty(query["redirect_uri"]))
        {
            return Results.BadRequest("unknown client or response type");
        }

        var code = Convert.ToHexString(RandomNumberGenerator.GetBytes(16));
        _codes[code] = new PendingCode(NextUser, query["redirect_uri"]!, query["nonce"].ToString(), query["code_challenge"].ToString());
        var fields = new Dictionary<string, string?> { ["code"] = code, ["state"] = query["state"] };
        if (query["response_mode"] == "form_post")
        {
            var inputs = string.Concat(fields.Select(f => $"<input type=\"hidden\" name=\"{f.Key}\" value=\"{WebUtility.HtmlEncode(f.Value)}\"/>"));
            return Results.Content($"<html><body><form method=\"post\" action=\"{WebUtility.HtmlEncode(query["redirect_uri"])}\">{inputs}</form></body></html>", "text/html");
        }

        return Results.Redirect(query["redirect_uri"] + "?" + string.Join("&", fields.Select(f => $"{f.Key}={Uri.EscapeDataString(f.Value ?? "")}")));
    }

    private async Task<IResult> TokenAsync(HttpRequest request)
    {
        var form = await request.ReadFormAsync();
        var (clientId, clientSecret) = ((string?)form["client_id"], (string?)form["client_secret"]);
        if (request.Headers.Authorization.ToString() is { Length: > 6 } basic && basic.StartsWith("Basic ", StringComparison.Ordinal))
        {
            var pair = Encoding.UTF8.GetString(Convert.FromBase64String(basic[6..])).Split(':', 2);
            (clientId, clientSecret) = (Uri.UnescapeDataString(pair[0]), Uri.UnescapeDataString(pair[1]));
        }

        if (clientId != ClientId || clientSecret != ClientSecret)
        {
            return Results.Json(new { error = "invalid_client" }, statusCode: 401);
        }

        if (form["grant_type"] != "authorization_code" || !_codes.TryRemove(form["code"].ToString(), out var pending) || pending.RedirectUri != form["redirect_uri"])
        {
            return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
        }

        var verifier = form["code_verifier"].ToString();
        var challenge = Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));
        if (pending.CodeChallenge.Length > 0 && challenge != pending.CodeChallenge)
        {
            return Results.Json(new { error = "invalid_grant", error_description = "PKCE" }, statusCode: 400);
        }

        var now = DateTime.UtcNow;
        var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = IssuerText,
            Audience = ClientId,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(5),
            Subject = new ClaimsIdentity(
            [
                new Claim("sub", pending.User.Subject),
                new Claim("email", pending.User.Email),
                new Claim("email_verified", pending.User.EmailVerified ? "true" : "false", ClaimValueTypes.Boolean),
                new Claim("nonce", pending.Nonce),
            ]),
            SigningCredentials = new SigningCredentials(_key, SecurityAlgorithms.RsaSha256),
        });
        Interlocked.Increment(ref _tokensIssued);
        return Results.Json(new Dictionary<string, object>
        {
            ["access_token"] = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)),
            ["token_type"] = "Bearer",
            ["expires_in"] = 300,
            ["id_token"] = idToken,
        });
    }

    private IResult Jwks()
    {
        var parameters = _rsa.ExportParameters(includePrivateParameters: false);
        return Results.Json(new
        {
            keys = new[]
            {
                new { kty = "RSA", use = "sig", alg = "RS256", kid = _key.KeyId, n = Base64UrlEncoder.Encode(parameters.Modulus), e = Base64UrlEncoder.Encode(parameters.Exponent) },
            },
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        _rsa.Dispose();
    }

    private sealed record PendingCode(ProviderUser User, string RedirectUri, string Nonce, string CodeChallenge);
}

public sealed record ProviderUser(string Subject, string Email, bool EmailVerified);
