namespace Workspaces.Data;

/// <summary>
/// Maximum lengths of string columns. PostgreSQL enforces them (<c>character varying(n)</c>); SQLite does not,
/// so callers validate input against these constants rather than relying on the embedded default to complain.
/// </summary>
public static class FieldLengths
{
    /// <summary>Identifiers: workspace ids, user ids, token ids.</summary>
    public const int Id = 64;

    public const int Url = 2048;

    /// <summary>Display names, user names, directory names.</summary>
    public const int Name = 200;

    /// <summary>Human-readable messages and reasons.</summary>
    public const int Message = 4000;

    /// <summary>Enum values stored as their names.</summary>
    public const int EnumName = 32;

    /// <summary>Short machine-readable codes such as an event kind.</summary>
    public const int Code = 64;

    /// <summary>A Git ref (branch, tag or commit).</summary>
    public const int GitRef = 255;

    /// <summary>A DNS host name (253) with an optional <c>:port</c>.</summary>
    public const int Host = 260;

    /// <summary>Lowercase hex SHA-256.</summary>
    public const int Sha256Hex = 64;

    /// <summary>A DNS label, such as a Kubernetes Service's name.</summary>
    public const int DnsLabel = 63;

    /// <summary>The visible start of a personal access token.</summary>
    public const int TokenPrefix = 32;

    /// <summary>A value encrypted with ASP.NET Core Data Protection (base64url, larger than its plaintext).</summary>
    public const int ProtectedValue = 8000;
}
