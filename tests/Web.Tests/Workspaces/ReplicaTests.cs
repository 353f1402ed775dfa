using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Workspaces.Data;
using Workspaces.Data.Tests.TestDatabases;
using Workspaces.Shared.Agent;
using Workspaces.TestSupport.Files;
using Workspaces.TestSupport.Git;
using Workspaces.TestSupport.Processes;
using Workspaces.TestSupport.Waiting;
using Workspaces.Web.Tests.Infrastructure;
using Workspaces.Web.Workspaces;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>
/// Two web-app replicas on one PostgreSQL database and one workspaces directory, as the Helm chart runs them: only the
/// replica holding the reconciliation lock acts, so one agent crash is one restart and one event.
/// </summary>
public sealed class ReplicaTests : IAsyncLifetime
{
    private readonly TempDirectory _shared = TempDirectory.Create("ws-replicas");
    private readonly GitRepositoryFixture _repositories = new();
    private PostgresTestDatabase _database = null!;
    private TestApp _first = null!;
    private TestApp _second = null!;

    public async Task InitializeAsync()
    {
        _database = await PostgresTestDatabase.CreateAsync("replicas");
        var settings = new Dictionary<string, string?>(_database.Configuration)
        {
            ["Workspaces:DataDirectory"] = _shared.Combine("data"),
            ["Workspaces:ReconcileInterval"] = "00:00:00.2",
            ["Workspaces:Database:MigrateOnStart"] = "true",
        };
        // One after the other, so the second finds the schema and the Data Protection key ring the first made.
        _first = await TestApp.StartAsync(settings);
        _second = await TestApp.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await LeftoverAgents.StopAllAsync(_shared.Combine("data"));
        await _database.DisposeAsync();
        _repositories.Dispose();
        _shared.Dispose();
    }

    [Fact]
    public async Task TwoReplicas_AgentKilled_OneRestartAndOneEvent()
    {
        using var admin = await _first.CreateAdministratorAsync();
        await WaitForOneLeaderAsync();

        await CrashAndRecoverAsync(admin);
    }

    [Fact]
    public async Task TwoReplicas_LeadersConnectionDies_TheOtherTakesOverAndRestartsOnce()
    {
        using var admin = await _first.CreateAdministratorAsync();
        var leader = await WaitForOneLeaderAsync();

        await using (var connection = new NpgsqlConnection(_database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
                connection);
            Assert.True((bool)(await command.ExecuteScalarAsync())!);
        }

        var other = leader == _first ? _second : _first;
        await Poll.UntilAsync(() => Leadership(other).IsLeader && !Leadership(leader).IsLeader, TimeSpan.FromSeconds(30), "the other replica to take over");

        await CrashAndRecoverAsync(admin);
        Assert.True(Leadership(other).IsLeader);
    }

    private async Task CrashAndRecoverAsync(ApiClient admin)
    {
        var repository = await _repositories.CreateAsync("replicated", new GitRepositoryBuilder().WithFile("README.md", "hi\n"));
        var id = (await admin.CreateWorkspaceAsync(repository.FileUrl)).Id;
        var ready = await admin.WaitUntilReadyAsync(id);
        var directory = Path.Combine(_shared.Combine("data"), "workspaces", id);
        var pid = LeftoverAgents.Read(directory)!.ProcessId;

        Assert.True(ProcessSignals.Send(pid, ProcessSignals.SigKill));

        await admin.WaitUntilAsync(
            id,
            d => d.Workspace.Phase == WorkspacePhase.Ready && d.Workspace.LastStartedAt > ready.Workspace.LastStartedAt,
            "the workspace to be Ready on a new agent");
        // A few more passes of both replicas over the workspace, in which a second restart would show.
        var (first, second) = (Reconciler(_first).Reconciles, Reconciler(_second).Reconciles);
        await Poll.UntilAsync(
            () => Reconciler(_first).Reconciles >= first + 5 && Reconciler(_second).Reconciles >= second + 5,
            TimeSpan.FromSeconds(30),
            "five more reconcile passes of each replica");
        var details = (await admin.GetWorkspaceAsync(id))!;
        Assert.Single(details.Events, e => e.Kind == "agent-restarted");
        Assert.Equal(WorkspacePhase.Ready, details.Workspace.Phase);
        Assert.True(ProcessProbe.IsAlive(LeftoverAgents.Read(directory)!.ProcessId));
        await using var db = await _first.Services.GetRequiredService<IDbContextFactory<WorkspacesDbContext>>().CreateDbContextAsync();
        Assert.Equal(2, await db.WorkspaceStarts.CountAsync(s => s.WorkspaceId == id));
    }

    private async Task<TestApp> WaitForOneLeaderAsync()
    {
        await Poll.UntilAsync(() => Leadership(_first).IsLeader ^ Leadership(_second).IsLeader, TimeSpan.FromSeconds(30), "one replica to lead");
        return Leadership(_first).IsLeader ? _first : _second;
    }

    private static ReconcilerLeadership Leadership(TestApp app) => app.Services.GetRequiredService<ReconcilerLeadership>();

    private static WorkspaceReconciler Reconciler(TestApp app) => app.Services.GetRequiredService<WorkspaceReconciler>();
}
