namespace Workspaces.Web.Credentials;

public static class GitCredentialsExtensions
{
    public static WebApplicationBuilder AddGitCredentials(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GitCredentialService>();
        return builder;
    }
}
