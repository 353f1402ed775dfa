using Microsoft.AspNetCore.Identity;

namespace Workspaces.Data.Users;

public sealed class AppUser : IdentityUser
{
    public bool IsAdministrator { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
