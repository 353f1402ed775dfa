using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Workspaces.Web.Accounts;

/// <summary>Where a CLI sign-in stands, as the CLI polls it.</summary>
public enum CliLoginStatus
{
    Pending,
    Approved,
    Denied,
    Expired,
}

/// <summary>A started CLI sign-in: the code the user compares, and the secret the CLI polls with (shown to the CLI only).</summary>
public sealed record CliLoginStarted(string Code, string PollToken, string ApproveUrl, int ExpiresInSeconds, int IntervalSeconds);

/// <summary>What a poll learns; the token only once, on the first poll after approval.</summary>
public sealed record CliLoginPoll(CliLoginStatus Status, string? Token = null, string? TokenId = null, string? Email = null);

/// <summary>
/// Device-code style sign-in for the CLI: the CLI starts one (anonymous) and gets a short code and a poll secret; the
/// user, signed in in the browser, approves the code on <c>/cli/login</c>, which creates a personal access token for
/// them; the CLI's next poll takes the token (once). Pending sign-ins live in this process for
/// <see cref="Lifetime"/>, at most <see cref="MaxPending"/> at a time: a web app with several replicas needs sticky
/// sessions for this flow (or <c>--token</c>).
/// </summary>
public sealed class CliLogins(PersonalAccessTokenService tokens, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(10);

    public const int MaxPending = 1000;

    /// <summary>No 0/O or 1/I/L: read off one screen and compared on another.</summary>
    private const string CodeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

    private readonly ConcurrentDictionary<string, Pending> _byPollHash = new(StringComparer.Ordinal);

    public CliLoginStarted? Start(string clientName, Uri origin)
    {
        ArgumentNullException.ThrowIfNull(origin);
        Sweep();
        if (_byPollHash.Count >= MaxPending)
        {
            return null;
        }

        var code = string.Create(9, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = i == 4 ? '-' : CodeAlphabet[RandomNumberGenerator.GetInt32(CodeAlphabet.Length)];
            }
        });
        var pollToken = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var name = clientName.Trim();
        _byPollHash[Hash(pollToken)] = new Pending(code, name.Length is 0 or > 100 ? "workspaces CLI" : name, time.GetUtcNow() + Lifetime);
        return new CliLoginStarted(code, pollToken, new Uri(origin, $"/cli/login?code={code}").AbsoluteUri, (int)Lifetime.TotalSeconds, 1);
    }

    /// <summary>The client name waiting under <paramref name="code"/>, or null when no such sign-in waits.</summary>
    public string? Describe(string? code) => Find(code)?.ClientName;

    /// <summary>Creates the user's token and hands it to the waiting CLI; false when the code is unknown, used or expired.</summary>
    public async Task<bool> ApproveAsync(string code, string userId, string email, CancellationToken cancellationToken)
    {
        var pending = Find(code);
        if (pending is null)
        {
            return false;
        }

        lock (pending)
        {
            if (pending.Status != CliLoginStatus.Pending)
            {
                return false;
            }

            pending.Status = CliLoginStatus.Approved;
        }

        var created = await tokens.CreateAsync(userId, pending.ClientName, expiresAt: null, cancellationToken);
        pending.Token = created.Value;
        pending.TokenId = created.Token.Id;
        pending.Email = email;
        return true;
    }

    public bool Deny(string code)
    {
        var pending = Find(code);
        if (pending is null)
        {
            return false;
        }

        lock (pending)
        {
            if (pending.Status != CliLoginStatus.Pending)
            {
                return false;
            }

            pending.Status = CliLoginStatus.Denied;
        }

        return true;
    }

    public CliLoginPoll Poll(string? pollToken)
    {
        if (string.IsNullOrEmpty(pollToken) || pollToken.Length > 100 || !_byPollHash.TryGetValue(Hash(pollToken), out var pending))
        {
            return new CliLoginPoll(CliLoginStatus.Expired);
        }

        if (pending.ExpiresAt <= time.GetUtcNow())
        {
            _byPollHash.TryRemove(Hash(pollToken), out _);
            return new CliLoginPoll(CliLoginStatus.Expired);
        }

        switch (pending.Status)
        {
            case CliLoginStatus.Approved when pending.Token is { } token:
                // The token goes to the CLI once; a second poll with the same secret finds nothing.
                _byPollHash.TryRemove(Hash(pollToken), out _);
                return new CliLoginPoll(CliLoginStatus.Approved, token, pending.TokenId, pending.Email);
            case CliLoginStatus.Denied:
                _byPollHash.TryRemove(Hash(pollToken), out _);
                return new CliLoginPoll(CliLoginStatus.Denied);
            default:
                return new CliLoginPoll(CliLoginStatus.Pending);
        }
    }

    private Pending? Find(string? code)
    {
        var normalized = code?.Trim().ToUpperInvariant();
        var now = time.GetUtcNow();
        return string.IsNullOrEmpty(normalized) ? null : _byPollHash.Values.FirstOrDefault(p => p.Code == normalized && p.ExpiresAt > now);
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, pending) in _byPollHash)
        {
            if (pending.ExpiresAt <= now)
            {
                _byPollHash.TryRemove(key, out _);
            }
        }
    }

    private static string Hash(string value) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)));

    private sealed class Pending(string code, string clientName, DateTimeOffset expiresAt)
    {
        public string Code { get; } = code;

        public string ClientName { get; } = clientName;

        public DateTimeOffset ExpiresAt { get; } = expiresAt;

        public CliLoginStatus Status { get; set; }

        public string? Token { get; set; }

        public string? TokenId { get; set; }

        public string? Email { get; set; }
    }
}
