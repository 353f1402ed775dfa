using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workspaces.Data.Users;

namespace Workspaces.Data.Workspaces;

internal sealed class WorkspaceRecordConfiguration : IEntityTypeConfiguration<WorkspaceRecord>
{
    public void Configure(EntityTypeBuilder<WorkspaceRecord> builder)
    {
        builder.ToTable("Workspaces");
        builder.HasKey(w => w.Id);

        builder.Property(w => w.Id).HasMaxLength(FieldLengths.Id);
        builder.Property(w => w.OwnerId).HasMaxLength(FieldLengths.Id);
        builder.Property(w => w.RepositoryUrl).HasMaxLength(FieldLengths.Url);
        builder.Property(w => w.Ref).HasMaxLength(FieldLengths.GitRef);
        builder.Property(w => w.GitBranch).HasMaxLength(FieldLengths.GitRef);
        builder.Property(w => w.Name).HasMaxLength(FieldLengths.Name);
        builder.Property(w => w.CheckoutDirectoryName).HasMaxLength(FieldLengths.Name);
        builder.Property(w => w.DesiredState).HasConversion<string>().HasMaxLength(FieldLengths.EnumName);
        builder.Property(w => w.DesiredStateReason).HasMaxLength(FieldLengths.Message);
        builder.Property(w => w.Phase).HasConversion<string>().HasMaxLength(FieldLengths.EnumName);
        builder.Property(w => w.ErrorCode).HasConversion<string>().HasMaxLength(FieldLengths.EnumName);
        builder.Property(w => w.ErrorMessage).HasMaxLength(FieldLengths.Message);
        builder.Property(w => w.ProtectedAgentSecret).HasMaxLength(FieldLengths.ProtectedValue);

        builder.Property(w => w.ProjectId).HasMaxLength(FieldLengths.Id);
        builder.Property(w => w.ProtectedLinkEnvironment).HasMaxLength(FieldLengths.ProtectedValue);

        builder.HasIndex(w => w.OwnerId);
        builder.HasIndex(w => w.ProjectId);

        builder.HasOne<Projects.Project>()
            .WithMany()
            .HasForeignKey(w => w.ProjectId)
            .OnDelete(DeleteBehavior.SetNull);
        builder.HasIndex(w => w.DesiredState);

        builder.HasOne<AppUser>()
            .WithMany()
            .HasForeignKey(w => w.OwnerId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}
