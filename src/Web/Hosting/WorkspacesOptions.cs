namespace Workspaces.Web.Hosting;

/// <summary>The service-wide settings (section <c>Workspaces</c>).</summary>
public sealed class WorkspacesOptions
{
    public const string SectionName = "Workspaces";

    /// <summary>Where the database (SQLite by default), keys and workspaces live. Defaults to <c>~/.local/share/workspaces</c>.</summary>
    public string DataDirectory { get; set; } = DefaultDataDirectory();

    /// <summary>A running workspace with no activity for this long is stopped; its files are kept.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How often every workspace is reconciled even without a change (a safety net; changes act at once).</summary>
    public TimeSpan ReconcileInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Whether <c>file://</c> URLs and local paths may be cloned. Unset: yes while the server has one account (a laptop),
    /// no once it has more (any account could name another's files). The data directory and workspaces are refused always.
    /// </summary>
    public bool? AllowLocalRepositories { get; set; }

    /// <summary>Which internal Git servers clones may reach (<c>Workspaces:Repositories:AllowedHosts</c>, <c>…:AllowedNetworks</c>).</summary>
    public RepositoryOptions Repositories { get; set; } = new();

    /// <summary>Whether anyone may create an account after the first (administrator) one.</summary>
    public bool AllowSignUp { get; set; } = true;

    /// <summary>
    /// When not empty, only addresses in these domains may sign up (locally or through single sign-on), e.g.
    /// <c>["example.com"]</c>. An invitation link lets its invitee sign up regardless.
    /// </summary>
    public IList<string> SignUpEmailDomains { get; } = [];

    /// <summary>
    /// Set only when the app is served over plain HTTP on a host other than localhost: the session cookie then drops the
    /// <c>__Host-</c> prefix and the Secure flag, which browsers require HTTPS (or localhost) for.
    /// </summary>
    public bool InsecureCookies { get; set; }

    /// <summary>The editor's file size limits (<c>Workspaces:Editor:SoftLimitBytes</c>, <c>…:HardLimitBytes</c>).</summary>
    public EditorOptions Editor { get; set; } = new();

    /// <summary>Language servers in workspaces (<c>Workspaces:Languages:…</c>), passed to each agent at start.</summary>
    public LanguagesOptions Languages { get; set; } = new();

    public static string DefaultDataDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
            : xdg;
        return Path.Combine(root, "workspaces");
    }
}

/// <summary>
/// Clones connect only to public addresses; these admit internal Git servers. Loopback, private, link-local and the other
/// internal ranges are refused otherwise (docs/security.md, "Repository URLs").
/// </summary>
public sealed class RepositoryOptions
{
    /// <summary>Host names (no scheme, no port) whose addresses are accepted, whatever they resolve to: <c>git.corp.example</c>.</summary>
    public IList<string> AllowedHosts { get; } = [];

    /// <summary>Address ranges in CIDR notation that are accepted: <c>10.20.0.0/16</c>, <c>fd12:3456::/48</c>.</summary>
    public IList<string> AllowedNetworks { get; } = [];

    public Shared.Repositories.RepositoryNetwork ToNetwork() =>
        new([.. AllowedHosts.Select(h => h.Trim().TrimEnd('.').ToLowerInvariant())], [.. AllowedNetworks.Select(n => n.Trim())]);
}

public sealed class EditorOptions
{
    /// <summary>Files above this open read-only with a warning (editing many megabytes in a browser hangs it).</summary>
    public long SoftLimitBytes { get; set; } = 5 * 1024 * 1024;

    /// <summary>Files above this do not open in the editor (they can be downloaded).</summary>
    public long HardLimitBytes { get; set; } = 50 * 1024 * 1024;
}

public sealed class LanguagesOptions
{
    /// <summary>Rows by name replacing or adding to the default table (<c>Workspaces:Languages:Servers:python:Command</c>).</summary>
    public Dictionary<string, LanguageServerOptions> Servers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>A language server nobody used for this long is stopped; it starts again when needed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>A request a language server has not answered in this time is cancelled.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Whether a repository's <c>.gitpod.yml</c> <c>languageServers</c> may change the table.</summary>
    public bool AllowRepositoryServers { get; set; } = true;

    public Shared.Languages.LanguageSettings ToSettings() => new(
        Servers.Select(row => new Shared.Languages.LanguageServerDefinition(
            row.Key,
            row.Value.Languages.Count > 0 ? row.Value.Languages : Shared.Languages.LanguageServerDefaults.LanguagesOf(row.Key),
            row.Value.Command ?? string.Empty,
            row.Value.Args,
            row.Value.Install ?? $"ask the administrator: {row.Value.Command} is configured but not installed in the workspace image")).ToList(),
        IdleTimeout,
        RequestTimeout,
        AllowRepositoryServers);
}

public sealed class LanguageServerOptions
{
    /// <summary>Monaco language ids; empty keeps the default row's.</summary>
    public List<string> Languages { get; set; } = [];

    /// <summary>An executable on the workspace's PATH or an absolute path; empty turns the row off.</summary>
    public string? Command { get; set; }

    public List<string> Args { get; set; } = [];

    /// <summary>What users are told to install when the command is missing.</summary>
    public string? Install { get; set; }
}
