using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Workspaces.Data.Workspaces;

namespace Workspaces.Web.Agents;

/// <summary>Makes and reveals the per-workspace secrets agents trust; stored encrypted with Data Protection.</summary>
public sealed class AgentSecrets(IDataProtectionProvider protection)
{
    private readonly IDataProtector _protector = protection.CreateProtector("Workspaces.AgentSecret.v1");

    /// <summary>A new random secret, already encrypted for the database.</summary>
    public string CreateProtected() => _protector.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));

    public string Reveal(WorkspaceRecord workspace) => Reveal(workspace.ProtectedAgentSecret);

    /// <summary>The secret from its stored form, for readers that project the column alone.</summary>
    public string Reveal(string protectedSecret) => _protector.Unprotect(protectedSecret);
}
