using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Accounts;

namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>
/// The web app in this process on a real port, with its own data directory (SQLite by default) and real agents. It can
/// be stopped and started again on the same data directory. Disposing it stops the app, every agent it left behind and
/// deletes the data directory. Settings with <c>Kestrel:Endpoints</c> replace the one loopback port with those endpoints,
/// as an operator configures them (HTTPS with a certificate, a cleartext HTTP/2 endpoint).
/// </summary>
public sealed class TestApp : IAsyncDisposable
{
    public const string Password = "correct horse battery";

    private readonly TempDirectory _root = TempDirectory.Create("ws-web");
    private readonly Dictionary<string, string?> _settings;
    private WorkspacesWebApplicationFactory? _factory;
    private Action<IServiceCollection>? _services;
    private int _users;

    private TestApp(IReadOnlyDictionary<string, string?>? settings)
    {
        DataDirectory = _root.Combine("data");
        _settings = new Dictionary<string, string?>
        {
            ["Workspaces:DataDirectory"] = DataDirectory,
            // Tests clone their own file:// repositories with several accounts, as an administrator who turned this on would.
            ["Workspaces:AllowLocalRepositories"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Error",
            // EF logs the probe for a missing migrations table as a failure when it migrates a new database.
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore.Database.Command"] = "Critical",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            _settings[key] = value;
        }

        // The app's own (test) certificate is the one clients trust, pinned, without a CA.
        ServerCertificates = _settings
            .Where(s => s.Key.EndsWith(":Certificate:Path", StringComparison.OrdinalIgnoreCase) && s.Key.StartsWith("Kestrel:", StringComparison.OrdinalIgnoreCase) && s.Value is not null)
            .Select(s => X509Certificate2.CreateFromPem(File.ReadAllText(s.Value!)))
            .ToList();
    }

    public string DataDirectory { get; }

    /// <summary>Every log line, when the settings turn on <see cref="LogCapture.SettingKey"/>.</summary>
    public LogCapture? Logs { get; private set; }

    /// <summary>Where clients reach the app, e.g. <c>http://127.0.0.1:41234/</c> (the first HTTPS endpoint when there is one).</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Every address the app listens on, in the order Kestrel bound them.</summary>
    public IReadOnlyList<Uri> Addresses { get; private set; } = [];

    /// <summary>The certificates Kestrel is configured with in the settings (PEM files).</summary>
    public IReadOnlyList<X509Certificate2> ServerCertificates { get; }

    public IServiceProvider Services => (_factory ?? throw new InvalidOperationException("The app is not running.")).Services;

    /// <param name="services">Replaces services the way a test stands in for what it cannot have (a cluster's DNS).</param>
    public static async Task<TestApp> StartAsync(IReadOnlyDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var app = new TestApp(settings) { _services = services };
        try
        {
            await app.StartAgainAsync();
            return app;
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the app (again) on the same data directory.</summary>
    public async Task StartAgainAsync()
    {
        if (_factory is not null)
        {
            throw new InvalidOperationException("The app is already running.");
        }

        if (_settings.GetValueOrDefault(LogCapture.SettingKey) == "true")
        {
            Logs ??= new LogCapture();
        }

        var factory = new WorkspacesWebApplicationFactory(_settings, Logs, _services);
        var configuredEndpoints = _settings.Keys.Any(k => k.StartsWith("Kestrel:Endpoints:", StringComparison.OrdinalIgnoreCase));
        if (configuredEndpoints)
        {
            // A port given here would be preferred over the configured endpoints.
            factory.UseKestrel();
        }
        else
        {
            factory.UseKestrel(0);
        }

        _factory = factory;
        // StartServer is synchronous (it runs Program.cs up to app.Run); keep it off the test's thread.
        await Task.Run(factory.StartServer);
        Addresses = [.. factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Select(a => new Uri(a))];
        BaseAddress = configuredEndpoints
            ? Addresses.FirstOrDefault(a => a.Scheme == Uri.UriSchemeHttps) ?? Addresses[0]
            : factory.ClientOptions.BaseAddress;
    }

    /// <summary>Accepts what a browser would, or the app's own test certificate.</summary>
    public bool TrustsServerCertificate(X509Certificate? presented, SslPolicyErrors errors) =>
        errors == SslPolicyErrors.None
        || (presented is not null && ServerCertificates.Any(c => c.RawDataMemory.Span.SequenceEqual(presented.GetRawCertData())));

    /// <summary>Stops the web app as a shutdown would; agents and the data directory stay.</summary>
    public async Task StopAsync()
    {
        if (_factory is { } factory)
        {
            _factory = null;
            await factory.DisposeAsync();
        }
    }

    public string WorkspaceDirectory(string workspaceId) => Path.Combine(DataDirectory, "workspaces", workspaceId);

    /// <summary>A client without credentials; redirects are not followed and cookies are not kept, so tests see each answer.</summary>
    public HttpClient CreateHttpClient() =>
        new(new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseCookies = false,
            UseProxy = false,
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, errors) => TrustsServerCertificate(certificate, errors) },
        })
        { BaseAddress = BaseAddress };

    public ApiClient Anonymous() => new(CreateHttpClient(), null, Describe);

    /// <summary>The first account, through <c>POST /api/setup</c>, signed in with a personal access token.</summary>
    public async Task<ApiClient> CreateAdministratorAsync(string email = "admin@example.com")
    {
        using var anonymous = CreateHttpClient();
        using var setup = await anonymous.PostAsJsonAsync("/api/setup", new { email, password = Password });
        Assert.Equal(HttpStatusCode.Created, setup.StatusCode);
        return await SignInAsync(email);
    }

    /// <summary>Another account (a sign-up), signed in with a personal access token.</summary>
    public async Task<ApiClient> CreateUserAsync(string? email = null)
    {
        email ??= $"user{Interlocked.Increment(ref _users)}@example.com";
        await using (var scope = Services.CreateAsyncScope())
        {
            var accounts = scope.ServiceProvider.GetRequiredService<AccountService>();
            var created = await accounts.CreateAsync(email, Password, firstOnly: false, CancellationToken.None);
            Assert.Equal(AccountOutcome.Created, created.Outcome);
        }

        return await SignInAsync(email);
    }

    public async Task<ApiClient> SignInAsync(string email)
    {
        var token = await CreateTokenAsync(email);
        return new ApiClient(CreateHttpClient(), token, Describe);
    }

    /// <summary>
    /// Waits for a pid a task writes into a file (relative to the workspace directory) and returns it as the host knows
    /// it (a sandboxed task writes the pid of its own PID namespace).
    /// </summary>
    public async Task<int> ReadPidFileAsync(string workspaceId, string relativePath)
    {
        var path = Path.Combine(WorkspaceDirectory(workspaceId), relativePath);
        try
        {
            var text = await Poll.UntilNotNullAsync(
                async () => File.Exists(path) && await File.ReadAllTextAsync(path) is { } t && t.EndsWith('\n') ? t : null,
                ApiClient.ReadyTimeout,
                $"{relativePath} to be written");
            var pid = int.Parse(text.Trim(), CultureInfo.InvariantCulture);
            return LeftoverAgents.Read(WorkspaceDirectory(workspaceId)) is { } agent && SandboxPids.IsInOtherNamespace(agent.ProcessId)
                ? SandboxPids.ToHost(agent.ProcessId, pid) ?? throw new InvalidOperationException($"No process {pid} in the sandbox of {workspaceId}.")
                : pid;
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Describe(workspaceId)}", e);
        }
    }

    /// <summary>For failure messages: what is on disk for a workspace and the end of its agent's and tasks' logs.</summary>
    public string Describe(string workspaceId)
    {
        var directory = WorkspaceDirectory(workspaceId);
        if (!Directory.Exists(directory))
        {
            return $"{directory} does not exist.";
        }

        var text = new System.Text.StringBuilder();
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/.git/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        text.AppendLine($"Files: {string.Join(", ", files.Select(f => Path.GetRelativePath(directory, f)))}");
        foreach (var log in files.Where(f => f.EndsWith(".log", StringComparison.Ordinal)))
        {
            var content = File.ReadAllText(log);
            text.AppendLine($"--- {Path.GetRelativePath(directory, log)} (last 3000 chars)").AppendLine(content.Length > 3000 ? content[^3000..] : content);
        }

        return text.ToString();
    }

    public async Task<string> CreateTokenAsync(string email, string name = "tests")
    {
        using var anonymous = CreateHttpClient();
        using var response = await anonymous.PostAsJsonAsync("/api/auth/tokens", new { email, password = Password, name });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<CreatedToken>(ApiClient.Json);
        return created!.Value;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync();
        }
        finally
        {
            await LeftoverAgents.StopAllAsync(DataDirectory);
            _root.Dispose();
            foreach (var certificate in ServerCertificates)
            {
                certificate.Dispose();
            }
        }
    }
}
