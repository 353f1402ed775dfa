using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workspaces.Data.Users;

namespace Workspaces.Data.Variables;

internal sealed class UserVariableConfiguration : IEntityTypeConfiguration<UserVariable>
{
    public void Configure(EntityTypeBuilder<UserVariable> builder)
    {
        builder.ToTable("UserVariables");
        builder.HasKey(v => v.Id);
        builder.Property(v => v.UserId).HasMaxLength(FieldLengths.Id);
        builder.Property(v => v.Name).HasMaxLength(FieldLengths.Name);
        builder.Property(v => v.ProtectedValue).HasMaxLength(FieldLengths.ProtectedValue);
        builder.Property(v => v.RepositoryPattern).HasMaxLength(FieldLengths.Name);
        builder.HasIndex(v => new { v.UserId, v.Name, v.RepositoryPattern }).IsUnique();
        builder.HasOne<AppUser>().WithMany().HasForeignKey(v => v.UserId).OnDelete(DeleteBehavior.Cascade);
    }
}
