using Workspaces.Web.Hosting;

namespace Workspaces.Web.Editor;

public static class EditorExtensions
{
    /// <summary>
    /// The editor's limits and language servers, which each agent is started with. The editor's files, source control and
    /// language connections reach the agent through <see cref="Agents.AgentForwarder"/>; its page is <see cref="EditorPanel"/>.
    /// </summary>
    public static WebApplicationBuilder AddEditor(this WebApplicationBuilder builder)
    {
        builder.Services.AddEditorOptions(builder.Configuration);
        return builder;
    }

    /// <summary>What a workspace's agent is started with; workspaces add it too, adding it twice is harmless.</summary>
    public static IServiceCollection AddEditorOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddValidatedOptions<EditorOptions, EditorOptionsValidator>(configuration, EditorOptions.SectionName);
        services.AddValidatedOptions<LanguagesOptions, LanguagesOptionsValidator>(configuration, LanguagesOptions.SectionName);
        return services;
    }
}
