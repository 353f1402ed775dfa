using System.Security.Claims;

namespace Workspaces.Web.Accounts;

public static class CurrentUser
{
    /// <summary>The signed-in user's id; endpoints that call this require authorization, so it is always there.</summary>
    public static string Id(this ClaimsPrincipal user) =>
        user.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("The request is not authenticated.");
}
