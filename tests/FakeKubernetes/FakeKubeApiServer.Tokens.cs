using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Workspaces.FakeKubernetes;

/// <summary>
/// The TokenRequest API: tokens for a service account with an expiry (at least 10 minutes, as Kubernetes requires),
/// optionally bound to a Pod or Secret of the same namespace. A token authenticates as its service account while it has
/// not expired and its bound object still exists with the same uid; otherwise 401, as on a real API server.
/// </summary>
public sealed partial class FakeKubeApiServer
{
    private readonly Dictionary<string, IssuedToken> _tokens = new(StringComparer.Ordinal);
    private long _tokenCounter;

    /// <summary>The clock tokens expire by; tests move it.</summary>
    public TimeProvider TokenClock { get; set; } = TimeProvider.System;

    public sealed record IssuedToken(string Namespace, string ServiceAccount, DateTimeOffset ExpiresAt, string? BoundResource, string? BoundName, string? BoundUid);

    public IReadOnlyList<IssuedToken> IssuedTokens
    {
        get
        {
            lock (_lock)
            {
                return [.. _tokens.Values];
            }
        }
    }

    private async Task IssueTokenAsync(HttpContext context, string ns, string serviceAccount, JsonObject body)
    {
        if (Get("/serviceaccounts", ns, serviceAccount) is null)
        {
            await WriteStatusAsync(context, 404, "NotFound", $"serviceaccounts \"{serviceAccount}\" not found");
            return;
        }

        var seconds = (long?)body["spec"]?["expirationSeconds"] ?? 3600;
        if (seconds < 600)
        {
            await WriteStatusAsync(context, 422, "Invalid", "TokenRequest is invalid: spec.expirationSeconds: Invalid value: may not specify a duration less than 10 minutes");
            return;
        }

        string? boundResource = null, boundName = null, boundUid = null;
        if (body["spec"]?["boundObjectRef"] is JsonObject bound)
        {
            boundResource = (string?)bound["kind"] switch { "Pod" => "/pods", "Secret" => "/secrets", _ => null };
            boundName = (string?)bound["name"];
            if (boundResource is null || boundName is null)
            {
                await WriteStatusAsync(context, 422, "Invalid", "TokenRequest is invalid: spec.boundObjectRef.kind: Unsupported value: must be Pod, Secret or Node");
                return;
            }

            var target = Get(boundResource, ns, boundName);
            boundUid = (string?)target?["metadata"]?["uid"];
            if (target is null || ((string?)bound["uid"] is { Length: > 0 } uid && uid != boundUid))
            {
                await WriteStatusAsync(context, 404, "NotFound", $"{boundResource.TrimStart('/')} \"{boundName}\" not found (or its uid differs)");
                return;
            }
        }

        var expires = TokenClock.GetUtcNow().AddSeconds(seconds);
        string token;
        lock (_lock)
        {
            token = $"fake-sa-token-{++_tokenCounter}";
            _tokens[token] = new IssuedToken(ns, serviceAccount, expires, boundResource, boundName, boundUid);
        }

        body["kind"] = "TokenRequest";
        body["apiVersion"] = "authentication.k8s.io/v1";
        body["status"] = new JsonObject
        {
            ["token"] = token,
            ["expirationTimestamp"] = expires.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        };
        await WriteJsonAsync(context, 201, body);
    }

    /// <summary>Why a request's bearer token is refused (expired, or its bound object gone), or null.</summary>
    private string? Unauthenticated(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (!authorization.StartsWith("Bearer fake-sa-token-", StringComparison.Ordinal))
        {
            return null;
        }

        IssuedToken? issued;
        lock (_lock)
        {
            issued = _tokens.GetValueOrDefault(authorization["Bearer ".Length..]);
        }

        if (issued is null)
        {
            return "Unauthorized: unknown token";
        }

        if (TokenClock.GetUtcNow() >= issued.ExpiresAt)
        {
            return "Unauthorized: the token has expired";
        }

        if (issued.BoundResource is not null && (string?)Get(issued.BoundResource, issued.Namespace, issued.BoundName!)?["metadata"]?["uid"] != issued.BoundUid)
        {
            return "Unauthorized: the object the token is bound to no longer exists";
        }

        return null;
    }

    /// <summary>The RBAC user of a bearer token: an issued token's service account, or the token itself (the tests' service-account names).</summary>
    private string UserOf(string token)
    {
        lock (_lock)
        {
            return _tokens.TryGetValue(token, out var issued) ? FakeRbac.ServiceAccountToken(issued.Namespace, issued.ServiceAccount) : token;
        }
    }
}
