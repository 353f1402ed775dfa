using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;

namespace Workspaces.Web.Variables;

/// <summary>Encrypts variable values at rest (project secrets, personal variables, link variables) with Data Protection.</summary>
public sealed class VariableProtection(IDataProtectionProvider protection)
{
    private readonly IDataProtector _secrets = protection.CreateProtector("Workspaces.ProjectSecret.v1");
    private readonly IDataProtector _personal = protection.CreateProtector("Workspaces.UserVariable.v1");
    private readonly IDataProtector _link = protection.CreateProtector("Workspaces.LinkEnvironment.v1");

    public string ProtectSecret(string value) => _secrets.Protect(value);

    public string RevealSecret(string protectedValue) => _secrets.Unprotect(protectedValue);

    public string ProtectPersonal(string value) => _personal.Protect(value);

    public string RevealPersonal(string protectedValue) => _personal.Unprotect(protectedValue);

    public string ProtectEnvironment(IReadOnlyDictionary<string, string> environment) =>
        _link.Protect(JsonSerializer.Serialize(environment));

    public IReadOnlyDictionary<string, string> RevealEnvironment(string? protectedValue) =>
        protectedValue is null
            ? new Dictionary<string, string>()
            : JsonSerializer.Deserialize<Dictionary<string, string>>(_link.Unprotect(protectedValue)) ?? [];
}
