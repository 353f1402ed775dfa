using Microsoft.Extensions.Options;
using Npgsql;
using Workspaces.Data.Configuration;
using Workspaces.Shared.Reconciliation;
using Workspaces.Shared.Threading;
using Workspaces.Web.Hosting;

namespace Workspaces.Web.Workspaces;

/// <summary>
/// Which web-app replica acts on workspaces. Every replica watches agents for its own pages, but only the leader starts,
/// stops, restarts, idle-stops and counts crashes, so two replicas never record one start or one crash twice. On
/// PostgreSQL the leader is whoever holds a session-level advisory lock on a dedicated connection: the server releases it
/// when that connection dies, and every other replica tries to take it every reconcile interval. On SQLite there is one
/// process, so it always leads.
/// </summary>
public sealed partial class ReconcilerLeadership(
    IOptions<DatabaseOptions> database,
    IOptions<WorkspacesOptions> options,
    TimeProvider timeProvider,
    ILogger<ReconcilerLeadership> logger) : BackgroundService
{
    /// <summary>The advisory lock's key: "wsrecon" in ASCII, so it does not collide with other users of the database.</summary>
    public const long LockKey = 0x77737265636F6E;

    private readonly bool _single = database.Value.GetProvider() != DatabaseProvider.Postgres;
    private volatile bool _leading;

    /// <summary>True while this replica may act on workspaces.</summary>
    public bool IsLeader => _single || _leading;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await ThreadPoolSynchronizationContext.Instance.SwitchTo();
        if (_single)
        {
            return;
        }

        // Not pooled: a pooled connection outlives Close and would keep the lock after this replica gave up leading.
        var connectionString = new NpgsqlConnectionStringBuilder(database.Value.ConnectionString) { Pooling = false }.ConnectionString;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(stoppingToken);
                while (true)
                {
                    // Once held, the same query doubles as the liveness check of the connection that holds it; a lock
                    // taken again by its own session is counted twice, so release the extra hold.
                    var held = await TryLockAsync(connection, stoppingToken);
                    if (held && _leading)
                    {
                        await UnlockOnceAsync(connection, stoppingToken);
                    }
                    else if (held)
                    {
                        _leading = true;
                        LogLeading();
                    }

                    failures = 0;
                    await Task.Delay(options.Value.ReconcileInterval, timeProvider, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                _leading = false;
                return;
            }
            catch (Exception e)
            {
                if (_leading)
                {
                    LogLostLeadership(e);
                }
                else
                {
                    LogLockFailed(e);
                }

                _leading = false;
                await Backoff.Default.WaitAsync(++failures, timeProvider, stoppingToken);
            }
        }
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
        command.Parameters.AddWithValue("key", LockKey);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task UnlockOnceAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
        command.Parameters.AddWithValue("key", LockKey);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "This replica now leads workspace reconciliation")]
    private partial void LogLeading();

    [LoggerMessage(Level = LogLevel.Warning, Message = "This replica lost the workspace reconciliation lock; another replica takes over")]
    private partial void LogLostLeadership(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trying for the workspace reconciliation lock failed; trying again")]
    private partial void LogLockFailed(Exception exception);
}
