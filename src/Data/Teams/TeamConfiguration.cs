using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workspaces.Data.Users;

namespace Workspaces.Data.Teams;

internal sealed class TeamConfiguration : IEntityTypeConfiguration<Team>
{
    public void Configure(EntityTypeBuilder<Team> builder)
    {
        builder.ToTable("Teams");
        builder.HasKey(t => t.Id);
        builder.Property(t => t.Id).HasMaxLength(FieldLengths.Id);
        builder.Property(t => t.Name).HasMaxLength(FieldLengths.Name);
    }
}

internal sealed class TeamMemberConfiguration : IEntityTypeConfiguration<TeamMember>
{
    public void Configure(EntityTypeBuilder<TeamMember> builder)
    {
        builder.ToTable("TeamMembers");
        builder.HasKey(m => new { m.TeamId, m.UserId });
        builder.Property(m => m.TeamId).HasMaxLength(FieldLengths.Id);
        builder.Property(m => m.UserId).HasMaxLength(FieldLengths.Id);
        builder.Property(m => m.Role).HasConversion<string>().HasMaxLength(FieldLengths.EnumName);
        builder.HasIndex(m => m.UserId);
        builder.HasOne<Team>().WithMany().HasForeignKey(m => m.TeamId).OnDelete(DeleteBehavior.Cascade);
        builder.HasOne<AppUser>().WithMany().HasForeignKey(m => m.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class TeamInvitationConfiguration : IEntityTypeConfiguration<TeamInvitation>
{
    public void Configure(EntityTypeBuilder<TeamInvitation> builder)
    {
        builder.ToTable("TeamInvitations");
        builder.HasKey(i => i.Id);
        builder.Property(i => i.Id).HasMaxLength(FieldLengths.Id);
        builder.Property(i => i.TeamId).HasMaxLength(FieldLengths.Id);
        builder.Property(i => i.TokenHash).HasMaxLength(FieldLengths.Sha256Hex);
        builder.Property(i => i.Email).HasMaxLength(FieldLengths.Name);
        builder.Property(i => i.Role).HasConversion<string>().HasMaxLength(FieldLengths.EnumName);
        builder.Property(i => i.CreatedById).HasMaxLength(FieldLengths.Id);
        builder.HasIndex(i => i.TokenHash).IsUnique();
        builder.HasIndex(i => i.TeamId);
        builder.HasOne<Team>().WithMany().HasForeignKey(i => i.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}
