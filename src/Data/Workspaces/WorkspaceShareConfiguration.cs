using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workspaces.Data.Users;

namespace Workspaces.Data.Workspaces;

internal sealed class WorkspaceShareConfiguration : IEntityTypeConfiguration<WorkspaceShare>
{
    public void Configure(EntityTypeBuilder<WorkspaceShare> builder)
    {
        builder.ToTable("WorkspaceShares");
        builder.HasKey(s => new { s.WorkspaceId, s.UserId });
        builder.Property(s => s.WorkspaceId).HasMaxLength(FieldLengths.Id);
        builder.Property(s => s.UserId).HasMaxLength(FieldLengths.Id);
        builder.Property(s => s.Access).HasConversion<string>().HasMaxLength(FieldLengths.EnumName);
        builder.HasIndex(s => s.UserId);
        builder.HasOne<WorkspaceRecord>().WithMany().HasForeignKey(s => s.WorkspaceId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(s => s.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
