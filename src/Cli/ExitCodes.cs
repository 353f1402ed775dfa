namespace Workspaces.Cli;

/// <summary>The CLI's exit codes (README's table). <c>ssh</c> with a command exits with the remote command's code instead.</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Anything not below: the message says what happened and what to do.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong (an unknown option, a missing argument).</summary>
    public const int Usage = 2;

    /// <summary>Not signed in, or the token was refused (expired, revoked): run <c>workspaces login</c>.</summary>
    public const int NotSignedIn = 3;

    /// <summary>No such workspace (or not yours), or not allowed (a read-only share).</summary>
    public const int NotFound = 4;

    /// <summary>The workspace is not running (or is in a state that does not allow it).</summary>
    public const int NotRunning = 5;

    /// <summary>The workspace's image has no SSH server.</summary>
    public const int NoSshServer = 6;

    /// <summary>The server could not be reached, or answered with an error of its own.</summary>
    public const int ServerUnavailable = 7;

    /// <summary>The user said no (a confirmation), or a login was denied or expired.</summary>
    public const int Cancelled = 8;
}

/// <summary>A failure the CLI explains: the message says what happened and what to do next.</summary>
public sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
