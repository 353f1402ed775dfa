using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;

namespace Workspaces.Shared.Ssh;

/// <summary>
/// One OpenSSH public key line (<c>type base64 [comment]</c>), checked before it goes into an <c>authorized_keys</c>
/// file: a known type, base64 that decodes, a blob that names the same type, and nothing that could add a second line
/// or options. The comment is dropped.
/// </summary>
public static class SshPublicKey
{
    /// <summary>Far more than an RSA 16384-bit key; a header longer than this is not a key.</summary>
    public const int MaxLength = 4096;

    private static readonly string[] Types =
    [
        "ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    ];

    /// <summary>The key as <c>type base64</c>, or a sentence saying what is wrong with it.</summary>
    public static bool TryNormalize(string? text, [NotNullWhen(true)] out string? key, [NotNullWhen(false)] out string? problem)
    {
        key = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "No SSH public key was given.";
            return false;
        }

        // A .pub file's line ends with a newline; what is inside the line may not hold one.
        text = text.Trim();
        if (text.Length > MaxLength || text.Any(char.IsControl))
        {
            problem = "The SSH public key is too long or has control characters: give one line of a .pub file.";
            return false;
        }

        var parts = text.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2 || !Types.Contains(parts[0], StringComparer.Ordinal))
        {
            problem = $"The SSH public key must start with one of {string.Join(", ", Types)}.";
            return false;
        }

        var blob = new byte[parts[1].Length];
        if (!Convert.TryFromBase64String(parts[1], blob, out var length) || !NamesType(blob.AsSpan(0, length), parts[0]))
        {
            problem = "The SSH public key's data is not a key of its type: give one line of a .pub file.";
            return false;
        }

        key = parts[0] + " " + parts[1];
        problem = null;
        return true;
    }

    /// <summary>The blob starts with its type as an SSH string (a 32-bit length, then the name).</summary>
    private static bool NamesType(ReadOnlySpan<byte> blob, string type)
    {
        if (blob.Length < 4)
        {
            return false;
        }

        var length = BinaryPrimitives.ReadUInt32BigEndian(blob);
        return length == type.Length && blob.Length >= 4 + type.Length && blob.Slice(4, type.Length).SequenceEqual(Encoding.ASCII.GetBytes(type));
    }
}
