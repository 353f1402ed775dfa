using Workspaces.Shared.Languages;

namespace Workspaces.WorkspaceAgent.Languages;

/// <summary>How the agent runs language servers; the web app's <c>Workspaces:Languages</c> settings reach it in the bootstrap.</summary>
public sealed class LanguagesOptions
{
    /// <summary>Rows replacing or adding to <see cref="LanguageServerTable.Defaults"/>.</summary>
    public IReadOnlyList<LanguageServerDefinition> Servers { get; init; } = [];

    /// <summary>Whether <c>.gitpod.yml</c>'s <c>languageServers</c> may change the table.</summary>
    public bool AllowRepositoryServers { get; init; } = true;

    /// <summary>A server that received nothing for this long is stopped (it starts again when the editor needs it).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>A request not answered within this is cancelled and answered with an error.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>A server that has not answered <c>initialize</c> within this is stopped (and counts as a crash).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>A message larger than this, either way, closes the connection (a server's: the server is restarted).</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Messages waiting for one client; a client further behind is disconnected (a flooding server or a stuck tab).</summary>
    public int ClientQueueMessages { get; init; } = 4096;

    /// <summary>The first restart after a crash waits this long, doubling up to <see cref="MaxRestartDelay"/>.</summary>
    public TimeSpan RestartDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRestartDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>After this many crashes within <see cref="CrashWindow"/> the server is left stopped until a page connects again.</summary>
    public int MaxCrashes { get; init; } = 5;

    public TimeSpan CrashWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How often timeouts and idleness are checked, and memory is read.</summary>
    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    public static LanguagesOptions From(LanguageSettings? settings) => settings is null
        ? new LanguagesOptions()
        : new LanguagesOptions
        {
            Servers = settings.Servers,
            AllowRepositoryServers = settings.AllowRepositoryServers,
            IdleTimeout = settings.IdleTimeout > TimeSpan.Zero ? settings.IdleTimeout : TimeSpan.FromMinutes(10),
            RequestTimeout = settings.RequestTimeout > TimeSpan.Zero ? settings.RequestTimeout : TimeSpan.FromSeconds(30),
        };
}
