using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workspaces.Data.Users;

namespace Workspaces.Data.Credentials;

internal sealed class GitCredentialRecordConfiguration : IEntityTypeConfiguration<GitCredentialRecord>
{
    public void Configure(EntityTypeBuilder<GitCredentialRecord> builder)
    {
        builder.ToTable("GitCredentials");
        builder.HasKey(c => c.Id);

        builder.Property(c => c.UserId).HasMaxLength(FieldLengths.Id);
        builder.Property(c => c.Host).HasMaxLength(FieldLengths.Host);
        builder.Property(c => c.Username).HasMaxLength(FieldLengths.Name);
        builder.Property(c => c.ProtectedToken).HasMaxLength(FieldLengths.ProtectedValue);

        builder.HasIndex(c => new { c.UserId, c.Host }).IsUnique();

        builder.HasOne<AppUser>()
            .WithMany()
            .HasForeignKey(c => c.UserId)
            .OnDelete(DeleteBehavior.Cascade);
    }
}
