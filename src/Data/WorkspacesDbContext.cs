using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Workspaces.Data.Audit;
using Workspaces.Data.Credentials;
using Workspaces.Data.Previews;
using Workspaces.Data.Projects;
using Workspaces.Data.Teams;
using Workspaces.Data.Tokens;
using Workspaces.Data.Users;
using Workspaces.Data.Variables;
using Workspaces.Data.Workspaces;

namespace Workspaces.Data;

/// <summary>
/// The application's database: Identity, workspaces and their history, Git credentials, API tokens and the
/// Data Protection key ring. Provider-neutral; the concrete types are <see cref="Sqlite.SqliteWorkspacesDbContext"/>
/// and <see cref="Postgres.PostgresWorkspacesDbContext"/>, each with its own migrations. Resolve this type (or
/// <see cref="IDbContextFactory{WorkspacesDbContext}"/>) and let <c>AddWorkspacesData</c> pick the provider.
/// </summary>
public abstract class WorkspacesDbContext : IdentityDbContext<AppUser>, IDataProtectionKeyContext
{
    /// <summary>
    /// The Identity schema the migrations were generated with (Version3 adds passkeys). Identity reads the schema
    /// version from <see cref="StoreOptions.SchemaVersion"/> at model-building time, so the host must use this one;
    /// <c>AddWorkspacesData</c> configures it and model building fails loudly on a mismatch.
    /// </summary>
    public static Version IdentitySchemaVersion => IdentitySchemaVersions.Version3;

    private protected WorkspacesDbContext(DbContextOptions options)
        : base(options)
    {
    }

    public DbSet<WorkspaceRecord> Workspaces => Set<WorkspaceRecord>();

    public DbSet<WorkspaceStart> WorkspaceStarts => Set<WorkspaceStart>();

    public DbSet<WorkspaceEvent> WorkspaceEvents => Set<WorkspaceEvent>();

    public DbSet<PreviewPortSetting> PreviewPortSettings => Set<PreviewPortSetting>();

    public DbSet<PreviewShareLink> PreviewShareLinks => Set<PreviewShareLink>();

    public DbSet<GitCredentialRecord> GitCredentials => Set<GitCredentialRecord>();

    public DbSet<PersonalAccessToken> PersonalAccessTokens => Set<PersonalAccessToken>();

    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    public DbSet<Team> Teams => Set<Team>();

    public DbSet<TeamMember> TeamMembers => Set<TeamMember>();

    public DbSet<TeamInvitation> TeamInvitations => Set<TeamInvitation>();

    public DbSet<Project> Projects => Set<Project>();

    public DbSet<ProjectVariable> ProjectVariables => Set<ProjectVariable>();

    public DbSet<ClusterAccess.ProjectClusterAccess> ProjectClusterAccess => Set<ClusterAccess.ProjectClusterAccess>();

    public DbSet<UserVariable> UserVariables => Set<UserVariable>();

    public DbSet<WorkspaceShare> WorkspaceShares => Set<WorkspaceShare>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<Prebuilds.Prebuild> Prebuilds => Set<Prebuilds.Prebuild>();

    public DbSet<Prebuilds.ProjectPrebuildSettings> ProjectPrebuildSettings => Set<Prebuilds.ProjectPrebuildSettings>();

    public DbSet<Prebuilds.WebhookDelivery> WebhookDeliveries => Set<Prebuilds.WebhookDelivery>();

    public DbSet<Prebuilds.PrebuildLogChunk> PrebuildLogChunks => Set<Prebuilds.PrebuildLogChunk>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        EnsureIdentityStoreOptionsMatchMigrations();
        base.OnModelCreating(builder);
        builder.ApplyConfigurationsFromAssembly(typeof(WorkspacesDbContext).Assembly);
    }

    /// <summary>
    /// Identity shapes its tables from the host's <see cref="IdentityOptions"/> (schema version, key lengths). A host
    /// configured differently from the design-time factories would get a model the migrations do not create.
    /// EF Core builds the model once per process, so this runs once, when the first context is used.
    /// </summary>
    private void EnsureIdentityStoreOptionsMatchMigrations() =>
        ValidateIdentityStoreOptions(
            this.GetService<IDbContextOptions>()
                .FindExtension<CoreOptionsExtension>()?.ApplicationServiceProvider?
                .GetService<IOptions<IdentityOptions>>()?.Value.Stores);

    internal static void ValidateIdentityStoreOptions(StoreOptions? stores)
    {
        if (stores?.SchemaVersion != IdentitySchemaVersion)
        {
            throw new InvalidOperationException(
                $"The Workspaces database uses Identity schema {IdentitySchemaVersion}, but IdentityOptions.Stores.SchemaVersion is " +
                $"'{stores?.SchemaVersion.ToString() ?? "not configured"}'. Register the database with AddWorkspacesData, which sets it, " +
                "and do not override it.");
        }

        if (stores.MaxLengthForKeys is not (0 or 128))
        {
            throw new InvalidOperationException(
                $"The Workspaces database migrations use Identity's default key length (128), but IdentityOptions.Stores.MaxLengthForKeys is {stores.MaxLengthForKeys}.");
        }
    }
}
