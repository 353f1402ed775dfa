using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Workspaces.Data;
using Workspaces.Data.Credentials;
using Workspaces.Shared.Agent;

namespace Workspaces.Web.Credentials;

/// <summary>A user's tokens per Git host, encrypted with Data Protection. Tokens go to agents, never back to a browser.</summary>
public sealed class GitCredentialService(IDbContextFactory<WorkspacesDbContext> dbFactory, IDataProtectionProvider protection, TimeProvider timeProvider)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Workspaces.GitCredentials.v1");

    public async Task<IReadOnlyList<GitCredentialView>> ListAsync(string userId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var records = await db.GitCredentials.AsNoTracking().Where(c => c.UserId == userId).OrderBy(c => c.Host).ToListAsync(cancellationToken);
        return records.Select(c => new GitCredentialView(c.Host, c.Username, c.CreatedAt, c.UpdatedAt)).ToList();
    }

    /// <summary>Creates or replaces the credential for a host.</summary>
    public async Task<GitCredentialView> SaveAsync(string userId, string host, string username, string token, CancellationToken cancellationToken)
    {
        host = NormalizeHost(host);
        var now = timeProvider.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var record = await db.GitCredentials.FirstOrDefaultAsync(c => c.UserId == userId && c.Host == host, cancellationToken);
        if (record is null)
        {
            record = new GitCredentialRecord { UserId = userId, Host = host, Username = username, ProtectedToken = "", CreatedAt = now };
            db.GitCredentials.Add(record);
        }

        record.Username = username.Trim();
        record.ProtectedToken = _protector.Protect(token.Trim());
        record.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return new GitCredentialView(record.Host, record.Username, record.CreatedAt, record.UpdatedAt);
    }

    public async Task<bool> DeleteAsync(string userId, string host, CancellationToken cancellationToken)
    {
        host = NormalizeHost(host);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.GitCredentials.Where(c => c.UserId == userId && c.Host == host).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    /// <summary>The decrypted credential for a host, for an agent that clones; null if the user stored none.</summary>
    public async Task<GitCredential?> FindForHostAsync(string userId, string? host, CancellationToken cancellationToken)
    {
        if (host is null)
        {
            return null;
        }

        host = NormalizeHost(host);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var record = await db.GitCredentials.AsNoTracking().FirstOrDefaultAsync(c => c.UserId == userId && c.Host == host, cancellationToken);
        return record is null ? null : new GitCredential(record.Username, _protector.Unprotect(record.ProtectedToken));
    }

    public static string NormalizeHost(string host) => host.Trim().TrimEnd('/').ToLowerInvariant();

    /// <summary>Checks a host as users type it: a name with an optional port, no scheme or path.</summary>
    public static string? ValidateHost(string? host)
    {
        if (string.IsNullOrWhiteSpace(host))
        {
            return "Required, e.g. github.com.";
        }

        var normalized = NormalizeHost(host);
        return normalized.Contains("://", StringComparison.Ordinal) || normalized.Contains('/', StringComparison.Ordinal)
            || Uri.CheckHostName(normalized.Split(':')[0]) == UriHostNameType.Unknown
            || (normalized.Contains(':', StringComparison.Ordinal) && !int.TryParse(normalized.Split(':')[1], out _))
            ? "Enter the host name only, e.g. github.com or git.example.com:8443 (no https://, no path)."
            : null;
    }
}

/// <summary>What the user sees of a stored credential: never the token.</summary>
public sealed record GitCredentialView(string Host, string Username, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
