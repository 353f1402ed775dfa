using Microsoft.Extensions.Options;

namespace Workspaces.Web.Accounts;

/// <summary>Who may create an account (<c>Workspaces:AllowSignUp</c>, <c>Workspaces:SignUpEmailDomains</c>).</summary>
public sealed class SignUpOptions
{
    public const string SectionName = "Workspaces";

    /// <summary>Whether anyone may create an account after the first (administrator) one.</summary>
    public bool AllowSignUp { get; set; } = true;

    /// <summary>
    /// When not empty, only addresses in these domains may sign up (locally or through single sign-on), e.g.
    /// <c>["example.com"]</c>. An invitation link lets its invitee sign up regardless.
    /// </summary>
    public IList<string> SignUpEmailDomains { get; } = [];
}

public sealed class SignUpOptionsValidator : IValidateOptions<SignUpOptions>
{
    public ValidateOptionsResult Validate(string? name, SignUpOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.SignUpEmailDomains.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(options.SignUpEmailDomains[i].TrimStart('@')))
            {
                failures.Add($"Workspaces:SignUpEmailDomains:{i} must be a domain such as example.com (got '{options.SignUpEmailDomains[i]}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary><c>Workspaces:InsecureCookies</c>: the session cookie's prefix and Secure flag.</summary>
public sealed class SessionCookieOptions
{
    public const string SectionName = "Workspaces";

    /// <summary>
    /// Set only when the app is served over plain HTTP on a host other than localhost: the session cookie then drops the
    /// <c>__Host-</c> prefix and the Secure flag, which browsers require HTTPS (or localhost) for.
    /// </summary>
    public bool InsecureCookies { get; set; }
}
