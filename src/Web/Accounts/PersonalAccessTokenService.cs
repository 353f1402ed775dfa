using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Tokens;

namespace Workspaces.Web.Accounts;

/// <summary>Creates, lists, revokes and checks personal access tokens. Only a token's hash is stored.</summary>
public sealed class PersonalAccessTokenService(IDbContextFactory<WorkspacesDbContext> dbFactory, TimeProvider timeProvider)
{
    public const string TokenPrefix = "wst_";
    private static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<CreatedToken> CreateAsync(string userId, string name, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        var token = TokenPrefix + Base64Url(RandomNumberGenerator.GetBytes(32));
        var record = new PersonalAccessToken
        {
            Id = Guid.NewGuid().ToString("N"),
            UserId = userId,
            Name = name.Trim(),
            TokenHash = Hash(token),
            Prefix = token[..(TokenPrefix.Length + 6)],
            CreatedAt = timeProvider.GetUtcNow(),
            ExpiresAt = expiresAt,
        };
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.PersonalAccessTokens.Add(record);
        await db.SaveChangesAsync(cancellationToken);
        return new CreatedToken(TokenView.From(record), token);
    }

    public async Task<IReadOnlyList<TokenView>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var tokens = await db.PersonalAccessTokens.Where(t => t.UserId == userId).OrderBy(t => t.CreatedAt).ToListAsync(cancellationToken);
        return tokens.Select(TokenView.From).ToList();
    }

    public async Task<bool> RevokeAsync(string userId, string tokenId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.PersonalAccessTokens.Where(t => t.UserId == userId && t.Id == tokenId).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>Revokes the token itself (the one a request was made with), when it is <paramref name="userId"/>'s.</summary>
    public async Task<bool> RevokePresentedAsync(string userId, string token, CancellationToken cancellationToken)
    {
        var hash = Hash(token);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.PersonalAccessTokens.Where(t => t.UserId == userId && t.TokenHash == hash).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>The user a token belongs to, or null if it is unknown, expired or revoked.</summary>
    public async Task<string?> ValidateAsync(string token, CancellationToken cancellationToken)
    {
        if (!token.StartsWith(TokenPrefix, StringComparison.Ordinal) || token.Length > 200)
        {
            return null;
        }

        var hash = Hash(token);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var record = await db.PersonalAccessTokens.AsNoTracking().FirstOrDefaultAsync(t => t.TokenHash == hash, cancellationToken);
        var now = timeProvider.GetUtcNow();
        if (record is null || (record.ExpiresAt is { } expires && expires <= now))
        {
            return null;
        }

        if (record.LastUsedAt is null || now - record.LastUsedAt > LastUsedResolution)
        {
            await db.PersonalAccessTokens.Where(t => t.Id == record.Id).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), cancellationToken);
        }

        return record.UserId;
    }

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}

public sealed record TokenView(string Id, string Name, string Prefix, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? ExpiresAt)
{
    public static TokenView From(PersonalAccessToken t) => new(t.Id, t.Name, t.Prefix, t.CreatedAt, t.LastUsedAt, t.ExpiresAt);
}

/// <summary>The only time the token itself is returned.</summary>
public sealed record CreatedToken(TokenView Token, string Value);
