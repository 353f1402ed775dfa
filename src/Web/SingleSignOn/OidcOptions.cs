namespace Workspaces.Web.SingleSignOn;

/// <summary>Single sign-on with an OpenID Connect provider (section <c>Workspaces:Oidc</c>). Off unless <see cref="Authority"/> is set.</summary>
public sealed class OidcOptions
{
    public const string SectionName = "Workspaces:Oidc";

    /// <summary>The provider's issuer URL, e.g. <c>https://keycloak.example.com/realms/dev</c> (its discovery document is below it).</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    /// <summary>The sign-in button's label.</summary>
    public string DisplayName { get; set; } = "Single sign-on";

    /// <summary>Hide the password form: users sign in only through the provider (the first, administrator account excepted).</summary>
    public bool DisableLocalAccounts { get; set; }

    /// <summary>Off only for a provider on plain HTTP (a test or a laptop).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority);
}
