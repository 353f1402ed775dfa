using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workspaces.Data.Workspaces;

namespace Workspaces.Data.Previews;

internal sealed class PreviewPortSettingConfiguration : IEntityTypeConfiguration<PreviewPortSetting>
{
    public void Configure(EntityTypeBuilder<PreviewPortSetting> builder)
    {
        builder.ToTable("PreviewPortSettings");
        builder.HasKey(p => new { p.WorkspaceId, p.Service, p.Port });
        builder.Property(p => p.WorkspaceId).HasMaxLength(FieldLengths.Id);
        builder.Property(p => p.Service).HasMaxLength(FieldLengths.DnsLabel).HasDefaultValue("");
        builder.Property(p => p.Visibility).HasConversion<string>().HasMaxLength(FieldLengths.EnumName);

        builder.HasOne<WorkspaceRecord>()
            .WithMany()
            .HasForeignKey(p => p.WorkspaceId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class PreviewShareLinkConfiguration : IEntityTypeConfiguration<PreviewShareLink>
{
    public void Configure(EntityTypeBuilder<PreviewShareLink> builder)
    {
        builder.ToTable("PreviewShareLinks");
        builder.HasKey(l => l.Id);
        builder.Property(l => l.Id).HasMaxLength(FieldLengths.Id);
        builder.Property(l => l.WorkspaceId).HasMaxLength(FieldLengths.Id);
        builder.Property(l => l.TokenHash).HasMaxLength(FieldLengths.Sha256Hex);
        builder.Property(l => l.Label).HasMaxLength(FieldLengths.Name);
        builder.Property(l => l.CreatedBy).HasMaxLength(FieldLengths.Id);

        builder.HasIndex(l => l.TokenHash).IsUnique();
        builder.Property(l => l.Service).HasMaxLength(FieldLengths.DnsLabel).HasDefaultValue("");
        builder.HasIndex(l => new { l.WorkspaceId, l.Service, l.Port });

        builder.HasOne<WorkspaceRecord>()
            .WithMany()
            .HasForeignKey(l => l.WorkspaceId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}
