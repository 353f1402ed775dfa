namespace Workspaces.Web.Accounts.Pages;

internal static class ReturnUrls
{
    /// <summary>Only local paths: a sign-in link must not send the user to another site (open redirect).</summary>
    public static string Safe(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";
}
