using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Workspaces.Data.Audit;

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("AuditEntries");
        builder.HasKey(e => e.Id);
        builder.Property(e => e.ActorId).HasMaxLength(FieldLengths.Id);
        builder.Property(e => e.ActorEmail).HasMaxLength(FieldLengths.Name);
        builder.Property(e => e.Action).HasMaxLength(FieldLengths.Code);
        builder.Property(e => e.TargetKind).HasMaxLength(FieldLengths.Code);
        builder.Property(e => e.TargetId).HasMaxLength(FieldLengths.Id);
        builder.Property(e => e.Detail).HasMaxLength(FieldLengths.Message);
        builder.Property(e => e.RemoteAddress).HasMaxLength(FieldLengths.Code);
        builder.HasIndex(e => e.At);
        builder.HasIndex(e => new { e.Action, e.At });
        builder.HasIndex(e => new { e.ActorId, e.At });
    }
}
