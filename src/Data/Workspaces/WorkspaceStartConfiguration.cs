using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Workspaces.Data.Workspaces;

internal sealed class WorkspaceStartConfiguration : IEntityTypeConfiguration<WorkspaceStart>
{
    public void Configure(EntityTypeBuilder<WorkspaceStart> builder)
    {
        builder.ToTable("WorkspaceStarts");
        builder.HasKey(s => s.Id);

        builder.Property(s => s.WorkspaceId).HasMaxLength(FieldLengths.Id);
        builder.Property(s => s.Outcome).HasConversion<string>().HasMaxLength(FieldLengths.EnumName);
        builder.Property(s => s.ErrorCode).HasConversion<string>().HasMaxLength(FieldLengths.EnumName);

        // The start history is read per workspace, newest first: the composite index serves both.
        builder.HasIndex(s => new { s.WorkspaceId, s.RequestedAt });

        builder.HasOne<WorkspaceRecord>()
            .WithMany()
            .HasForeignKey(s => s.WorkspaceId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}
