namespace Workspaces.TestSupport.Git;

/// <summary>The HTTP Basic username and password (token) a private repository on <see cref="SmartHttpGitServer"/> demands.</summary>
public sealed record GitServerCredential(string Username, string Password)
{
    public override string ToString() => $"GitServerCredential {{ Username = {Username} }}";
}
