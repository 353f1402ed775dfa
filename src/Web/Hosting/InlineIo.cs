namespace Workspaces.Web.Hosting;

/// <summary>
/// Socket completions and Kestrel's continuations run on the socket threads instead of each read and write being handed
/// to the thread pool: a keystroke crosses the web app (browser → agent and back) with about half the thread
/// hand-overs, which is most of its cost on a busy machine (docs/benchmarks-terminals.md). The IDE's own requests are
/// moved back to the thread pool (<see cref="ThreadPoolIsolationMiddleware"/>); only the byte forwarding to agents
/// and previews stays on the socket threads. <c>Workspaces:Hosting:InlineIo=false</c> turns it off.
/// </summary>
public static class InlineIo
{
    public const string SettingKey = "Workspaces:Hosting:InlineIo";

    /// <summary>Read by the runtime once, when the process creates its first socket.</summary>
    public const string RuntimeVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static WebApplicationBuilder UseInlineIo(this WebApplicationBuilder builder)
    {
        var enabled = builder.Configuration.GetValue(SettingKey, defaultValue: true);
        builder.Services.AddSingleton(new InlineIoSetting(enabled));
        if (!enabled)
        {
            return builder;
        }

        // No socket exists yet: configuration and the builder open none. An operator's own value is kept.
        if (Environment.GetEnvironmentVariable(RuntimeVariable) is null)
        {
            Environment.SetEnvironmentVariable(RuntimeVariable, "1");
        }

        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        return builder;
    }

    /// <summary>Right after routing: every endpoint but the byte forwarding runs on the thread pool.</summary>
    public static IApplicationBuilder UseThreadPoolIsolation(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app.Services.GetRequiredService<InlineIoSetting>().Enabled ? app.UseMiddleware<ThreadPoolIsolationMiddleware>() : app;
    }

    /// <summary>Marks an endpoint that only forwards bytes (agent connections) and so stays on the socket thread.</summary>
    public static TBuilder StaysOnSocketThread<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.WithMetadata(ForwardsBytesMetadata.Instance);

    internal sealed record InlineIoSetting(bool Enabled);

    /// <summary>The endpoint metadata <see cref="StaysOnSocketThread{TBuilder}"/> adds.</summary>
    public sealed class ForwardsBytesMetadata
    {
        private ForwardsBytesMetadata()
        {
        }

        public static readonly ForwardsBytesMetadata Instance = new();
    }
}
