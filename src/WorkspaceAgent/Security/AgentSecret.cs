using System.Security.Cryptography;
using System.Text;
using Workspaces.Shared.Agent;

namespace Workspaces.WorkspaceAgent.Security;

/// <summary>The per-workspace secret the web app presents as a bearer token. Only the web app knows it.</summary>
public sealed class AgentSecret
{
    private readonly byte[] _expected;

    public AgentSecret(string secret)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        _expected = Encoding.UTF8.GetBytes(secret);
    }

    /// <summary>Checks an <c>Authorization</c> header value in time independent of where it differs from the secret.</summary>
    public bool IsPresentedIn(string? authorizationHeader)
    {
        const string prefix = AgentProtocol.AuthorizationScheme + " ";
        if (authorizationHeader is null || !authorizationHeader.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var presented = Encoding.UTF8.GetBytes(authorizationHeader.AsSpan(prefix.Length).Trim().ToString());
        return CryptographicOperations.FixedTimeEquals(presented, _expected);
    }
}
