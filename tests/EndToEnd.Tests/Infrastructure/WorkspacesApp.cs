using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Hosting;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Processes;

namespace Workspaces.EndToEnd.Tests.Infrastructure;

/// <summary>
/// The real web app on Kestrel (a free port), with its own data directory (SQLite, workspaces) and agents started from
/// the agent/ folder next to the tests. Disposing it stops the app, ends every agent it launched and deletes the data.
/// </summary>
public sealed class WorkspacesApp : IAsyncDisposable
{
    private readonly TempDirectory _data;
    private readonly Factory _factory;

    private WorkspacesApp(TempDirectory data, Factory factory, Uri baseUrl)
    {
        _data = data;
        _factory = factory;
        BaseUrl = baseUrl;
    }

    /// <summary>
    /// <c>http://localhost:{port}/</c>. Not 127.0.0.1: browsers accept the Secure <c>__Host-</c> session cookie over plain
    /// HTTP only on localhost.
    /// </summary>
    public Uri BaseUrl { get; }

    /// <summary>Where the app keeps a workspace's files: <c>{data}/workspaces/{id}</c>.</summary>
    public string WorkspaceDirectory(string workspaceId) => Path.Combine(_data.Path, "workspaces", workspaceId);

    /// <param name="settings">Configuration an administrator would set for this server, over the journeys' own.</param>
    public static WorkspacesApp Start(IReadOnlyDictionary<string, string>? settings = null)
    {
        var data = TempDirectory.Create("ws-e2e-data");
        var factory = new Factory(data.Path, settings ?? new Dictionary<string, string>());
        try
        {
            // Kestrel on 127.0.0.1 and a port of its choosing; localhost resolves there too.
            factory.UseKestrel(0);
            factory.StartServer();
            var bound = factory.ClientOptions.BaseAddress;
            if (!Directory.EnumerateFiles(data.Path, "*.db").Any())
            {
                throw new InvalidOperationException($"The app did not put its database into {data.Path}: Workspaces:DataDirectory was not applied.");
            }

            return new WorkspacesApp(data, factory, new UriBuilder(bound) { Host = "localhost", Path = "/" }.Uri);
        }
        catch
        {
            factory.Dispose();
            data.Dispose();
            throw;
        }
    }

    /// <summary>Creates the first (administrator) account through the API, as a script setting up a server would.</summary>
    public async Task CreateFirstAccountAsync(string email, string password)
    {
        using var client = new HttpClient { BaseAddress = BaseUrl };
        using var response = await client.PostAsJsonAsync("/api/setup", new { email, password });
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await StopAgentsAsync();
        _data.Dispose();
    }

    // Agents are detached processes that outlive the web app by design (a restart must not kill workspaces).
    private async Task StopAgentsAsync()
    {
        var workspaces = Path.Combine(_data.Path, "workspaces");
        if (!Directory.Exists(workspaces))
        {
            return;
        }

        var stopping = new List<int>();
        foreach (var file in Directory.EnumerateFiles(workspaces, AgentProtocol.RuntimeFileName, SearchOption.AllDirectories))
        {
            // agent.json outlives a stopped agent and pids get reused: signal only this workspace's agent.
            if (await ReadRuntimeInfoAsync(file) is { } info && IsAgentOf(info.ProcessId, info.WorkspaceId)
                && ProcessSignals.Send(info.ProcessId, ProcessSignals.SigTerm))
            {
                stopping.Add(info.ProcessId);
            }
        }

        foreach (var pid in stopping)
        {
            if (!await ProcessProbe.WaitUntilGoneAsync(pid, TimeSpan.FromSeconds(10)))
            {
                ProcessSignals.Send(pid, ProcessSignals.SigKill);
            }
        }

        // Whatever still works inside the data directory is ours: an agent caught before it wrote agent.json, or a task
        // of an agent that had to be killed.
        foreach (var pid in ProcessesWorkingIn(_data.Path))
        {
            ProcessSignals.Send(pid, ProcessSignals.SigKill);
        }
    }

    private static List<int> ProcessesWorkingIn(string directory)
    {
        var prefix = Path.TrimEndingDirectorySeparator(directory) + "/";
        var found = new List<int>();
        foreach (var entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), System.Globalization.CultureInfo.InvariantCulture, out var pid) || pid == Environment.ProcessId)
            {
                continue;
            }

            try
            {
                var cwd = new FileInfo(Path.Combine(entry, "cwd")).LinkTarget?.Replace(" (deleted)", "", StringComparison.Ordinal);
                if (cwd is not null && (cwd + "/").StartsWith(prefix, StringComparison.Ordinal) && ProcessProbe.IsAlive(pid))
                {
                    found.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Gone meanwhile, or not ours to look at.
            }
        }

        return found;
    }

    private static async Task<AgentRuntimeInfo?> ReadRuntimeInfoAsync(string runtimeFile)
    {
        try
        {
            await using var stream = File.OpenRead(runtimeFile);
            return await JsonSerializer.DeserializeAsync<AgentRuntimeInfo>(stream, AgentJson.Options);
        }
        catch (Exception ex) when (ex is IOException or JsonException)
        {
            return null;
        }
    }

    private static bool IsAgentOf(int processId, string workspaceId)
    {
        try
        {
            var commandLine = File.ReadAllText($"/proc/{processId}/cmdline").Split('\0');
            return commandLine.Any(arg => arg.EndsWith("Workspaces.WorkspaceAgent", StringComparison.Ordinal))
                && commandLine.Contains($"--workspace={workspaceId}");
        }
        catch (IOException)
        {
            return false;
        }
    }

    private sealed class Factory(string dataDirectory, IReadOnlyDictionary<string, string> settings) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("Workspaces:DataDirectory", dataDirectory);
            // Journeys clone their own file:// repositories with several accounts, and from a Git server on loopback: both
            // are what an administrator would allow for such servers.
            builder.UseSetting("Workspaces:AllowLocalRepositories", "true");
            builder.UseSetting("Workspaces:Repositories:AllowedNetworks:0", "127.0.0.0/8");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Logging:LogLevel:Microsoft.AspNetCore", "Error");
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }

        // UseKestrel registers Kestrel's services after Program.cs's: keep the product's connection buffers.
        protected override IHost CreateHost(IHostBuilder builder)
        {
            builder.ConfigureServices(Workspaces.Web.Hosting.ConnectionBuffers.AddPool);
            return base.CreateHost(builder);
        }
    }
}
