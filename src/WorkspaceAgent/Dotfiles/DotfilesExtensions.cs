namespace Workspaces.WorkspaceAgent.Dotfiles;

public static class DotfilesExtensions
{
    /// <summary>The owner's dotfiles, installed once per workspace by the preparation (needs the cloner).</summary>
    public static IServiceCollection AddDotfiles(this IServiceCollection services) =>
        services.AddSingleton<DotfilesInstaller>();
}
