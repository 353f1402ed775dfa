using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Workspaces.Data.Users;

/// <summary>Our additions to the Identity user; the rest of the <c>AspNetUsers</c> table is Identity's.</summary>
internal sealed class AppUserConfiguration : IEntityTypeConfiguration<AppUser>
{
    public void Configure(EntityTypeBuilder<AppUser> builder)
    {
        // Identity creates GUID strings; bounding the key keeps it consistent with the user id columns that reference it.
        builder.Property(u => u.Id).HasMaxLength(FieldLengths.Id);
        builder.Property(u => u.DotfilesRepository).HasMaxLength(FieldLengths.Url);
    }
}
