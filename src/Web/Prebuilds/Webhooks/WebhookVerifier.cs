using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Workspaces.Web.Prebuilds.Webhooks;

public enum GitHost
{
    GitHub,
    GitLab,
    Gitea,
    Bitbucket,
}

/// <summary>
/// Which Git host sent a webhook, and whether it knows the project's secret, each host's own way: GitHub an HMAC-SHA256
/// of the body (<c>X-Hub-Signature-256</c>); Gitea and Forgejo the same in <c>X-Gitea-Signature</c> /
/// <c>X-Forgejo-Signature</c> (plain hex); Bitbucket Cloud and Data Center an HMAC-SHA256 in <c>X-Hub-Signature</c>;
/// GitLab the secret itself as a token (<c>X-Gitlab-Token</c>). Comparisons take constant time.
/// </summary>
public static class WebhookVerifier
{
    public static GitHost? Detect(IHeaderDictionary headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        // Gitea and Forgejo also send GitHub's headers: look for theirs first.
        if (headers.ContainsKey("X-Gitea-Event") || headers.ContainsKey("X-Forgejo-Event"))
        {
            return GitHost.Gitea;
        }

        if (headers.ContainsKey("X-GitHub-Event"))
        {
            return GitHost.GitHub;
        }

        if (headers.ContainsKey("X-Gitlab-Event"))
        {
            return GitHost.GitLab;
        }

        return headers.ContainsKey("X-Event-Key") ? GitHost.Bitbucket : null;
    }

    public static bool Verify(GitHost host, IHeaderDictionary headers, ReadOnlySpan<byte> body, string secret)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(secret);
        return host switch
        {
            GitHost.GitHub => MatchesHmac(Header(headers, "X-Hub-Signature-256"), "sha256=", body, secret),
            GitHost.Gitea => MatchesHmac(Header(headers, "X-Forgejo-Signature") ?? Header(headers, "X-Gitea-Signature"), "", body, secret),
            GitHost.Bitbucket => MatchesHmac(Header(headers, "X-Hub-Signature"), "sha256=", body, secret),
            GitHost.GitLab => Header(headers, "X-Gitlab-Token") is { } token
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(secret)),
            _ => false,
        };
    }

    /// <summary>The event's name as the host calls it (<c>push</c>, <c>Push Hook</c>, <c>repo:push</c>…).</summary>
    public static string EventName(GitHost host, IHeaderDictionary headers) => host switch
    {
        GitHost.GitHub => Header(headers, "X-GitHub-Event"),
        GitHost.Gitea => Header(headers, "X-Forgejo-Event") ?? Header(headers, "X-Gitea-Event"),
        GitHost.GitLab => Header(headers, "X-Gitlab-Event"),
        _ => Header(headers, "X-Event-Key"),
    } ?? "";

    public static bool IsPush(GitHost host, string eventName) => host switch
    {
        GitHost.GitLab => eventName == "Push Hook",
        GitHost.Bitbucket => eventName is "repo:push" or "repo:refs_changed",
        _ => eventName == "push",
    };

    /// <summary>The host's id of this delivery; a hash of the signed body when it sends none (a replay has the same body).</summary>
    public static string DeliveryId(GitHost host, IHeaderDictionary headers, ReadOnlySpan<byte> body)
    {
        var id = host switch
        {
            GitHost.GitHub => Header(headers, "X-GitHub-Delivery"),
            GitHost.Gitea => Header(headers, "X-Forgejo-Delivery") ?? Header(headers, "X-Gitea-Delivery"),
            GitHost.GitLab => Header(headers, "X-Gitlab-Event-UUID") ?? Header(headers, "Idempotency-Key"),
            _ => Header(headers, "X-Request-UUID") ?? Header(headers, "X-Request-Id"),
        };
        return id is { Length: > 0 and <= 150 } ? $"{host}:{id}" : $"{host}:sha256:{Convert.ToHexStringLower(SHA256.HashData(body))}";
    }

    private static bool MatchesHmac(string? header, string prefix, ReadOnlySpan<byte> body, string secret)
    {
        if (header is null || !header.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        byte[] given;
        try
        {
            given = Convert.FromHexString(header.AsSpan(prefix.Length).Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static string? Header(IHeaderDictionary headers, string name) =>
        headers.TryGetValue(name, out StringValues values) && values.Count > 0 && !string.IsNullOrEmpty(values[0]) ? values[0] : null;
}
