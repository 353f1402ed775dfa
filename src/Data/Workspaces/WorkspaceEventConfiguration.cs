using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Workspaces.Data.Workspaces;

internal sealed class WorkspaceEventConfiguration : IEntityTypeConfiguration<WorkspaceEvent>
{
    public void Configure(EntityTypeBuilder<WorkspaceEvent> builder)
    {
        builder.ToTable("WorkspaceEvents");
        builder.HasKey(e => e.Id);

        builder.Property(e => e.WorkspaceId).HasMaxLength(FieldLengths.Id);
        builder.Property(e => e.Kind).HasMaxLength(FieldLengths.Code);
        builder.Property(e => e.Message).HasMaxLength(FieldLengths.Message);

        builder.HasIndex(e => new { e.WorkspaceId, e.At });

        builder.HasOne<WorkspaceRecord>()
            .WithMany()
            .HasForeignKey(e => e.WorkspaceId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}
