using Microsoft.AspNetCore.Identity;

namespace Workspaces.Data.Users;

public sealed class AppUser : IdentityUser
{
    public bool IsAdministrator { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>A blocked user cannot sign in, use tokens or reach any workspace; an administrator sets it.</summary>
    public bool IsBlocked { get; set; }

    /// <summary>A Git repository cloned and installed into every new workspace of this user.</summary>
    public string? DotfilesRepository { get; set; }
}
