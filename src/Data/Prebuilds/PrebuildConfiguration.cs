using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workspaces.Data.Projects;

namespace Workspaces.Data.Prebuilds;

internal sealed class PrebuildConfiguration : IEntityTypeConfiguration<Prebuild>
{
    public void Configure(EntityTypeBuilder<Prebuild> builder)
    {
        builder.ToTable("Prebuilds");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasMaxLength(FieldLengths.Id);
        builder.Property(p => p.ProjectId).HasMaxLength(FieldLengths.Id);
        builder.Property(p => p.Branch).HasMaxLength(FieldLengths.GitRef);
        builder.Property(p => p.Commit).HasMaxLength(FieldLengths.Id);
        builder.Property(p => p.Status).HasConversion<string>().HasMaxLength(FieldLengths.EnumName);
        builder.Property(p => p.Trigger).HasMaxLength(16);
        builder.Property(p => p.Message).HasMaxLength(FieldLengths.Message);
        builder.Property(p => p.Storage).HasMaxLength(16);
        builder.HasIndex(p => new { p.ProjectId, p.Branch, p.CreatedAt });
        builder.HasIndex(p => p.Status);
        builder.HasOne<Project>().WithMany().HasForeignKey(p => p.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ProjectPrebuildSettingsConfiguration : IEntityTypeConfiguration<ProjectPrebuildSettings>
{
    public void Configure(EntityTypeBuilder<ProjectPrebuildSettings> builder)
    {
        builder.ToTable("ProjectPrebuildSettings");
        builder.HasKey(s => s.ProjectId);
        builder.Property(s => s.ProjectId).HasMaxLength(FieldLengths.Id);
        builder.Property(s => s.BranchPatterns).HasMaxLength(FieldLengths.Message);
        builder.Property(s => s.PendingCommits).HasMaxLength(FieldLengths.Message);
        builder.Property(s => s.ProtectedWebhookSecret).HasMaxLength(FieldLengths.ProtectedValue);
        builder.HasOne<Project>().WithOne().HasForeignKey<ProjectPrebuildSettings>(s => s.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class WebhookDeliveryConfiguration : IEntityTypeConfiguration<WebhookDelivery>
{
    public void Configure(EntityTypeBuilder<WebhookDelivery> builder)
    {
        builder.ToTable("WebhookDeliveries");
        builder.HasKey(d => d.Id);
        builder.Property(d => d.ProjectId).HasMaxLength(FieldLengths.Id);
        builder.Property(d => d.DeliveryId).HasMaxLength(FieldLengths.Name);
        builder.HasIndex(d => new { d.ProjectId, d.DeliveryId }).IsUnique();
        builder.HasIndex(d => d.ReceivedAt);
        builder.HasOne<Project>().WithMany().HasForeignKey(d => d.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PrebuildLogChunkConfiguration : IEntityTypeConfiguration<PrebuildLogChunk>
{
    public void Configure(EntityTypeBuilder<PrebuildLogChunk> builder)
    {
        builder.ToTable("PrebuildLogChunks");
        builder.HasKey(c => new { c.PrebuildId, c.Offset });
        builder.Property(c => c.PrebuildId).HasMaxLength(FieldLengths.Id);
        builder.HasOne<Prebuild>().WithMany().HasForeignKey(c => c.PrebuildId).OnDelete(DeleteBehavior.Cascade);
    }
}
