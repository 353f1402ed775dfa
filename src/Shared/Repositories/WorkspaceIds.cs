using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Workspaces.Shared.Repositories;

/// <summary>
/// Workspace ids: <c>{slug}-{random}</c>, e.g. <c>my-app-k3x9q2mz</c>. An id is a DNS label, because it becomes part of
/// preview host names (<c>3000-my-app-k3x9q2mz.preview…</c>) and the name of Kubernetes objects.
/// </summary>
/// <remarks>
/// Stricter than a plain DNS label in one way: an id starts with a letter, because a Kubernetes Service name must be an
/// RFC 1035 label. A slug that would start with a digit (repository <c>7zip</c>) is prefixed with <c>ws-</c>.
/// </remarks>
public static partial class WorkspaceIds
{
    /// <summary>The longest valid id (the slug and random part together use at most 29).</summary>
    public const int MaxLength = 40;

    public const int MaxSlugLength = 20;

    public const int RandomLength = 8;

    private const string RandomAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A new id for a workspace of <paramref name="repositoryName"/>; the random part comes from a cryptographic RNG (36^8 ≈ 2.8e12 per slug).</summary>
    public static string Create(string? repositoryName) =>
        $"{Slug(repositoryName)}-{RandomNumberGenerator.GetString(RandomAlphabet, RandomLength)}";

    /// <summary>
    /// The repository name lower-cased and reduced to <c>[a-z0-9-]</c> (other characters become <c>-</c>, runs of
    /// <c>-</c> become one), at most <see cref="MaxSlugLength"/> characters, no leading or trailing <c>-</c>, starting
    /// with a letter (<c>ws-</c> is put in front of a digit); <c>ws</c> when nothing is left.
    /// </summary>
    public static string Slug(string? repositoryName)
    {
        var builder = new StringBuilder(MaxSlugLength);
        foreach (var c in (repositoryName ?? "").ToLowerInvariant())
        {
            var mapped = char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) ? c : '-';
            if (mapped == '-' && (builder.Length == 0 || builder[^1] == '-'))
            {
                continue;
            }

            builder.Append(mapped);
            if (builder.Length >= MaxSlugLength * 2)
            {
                break;
            }
        }

        var slug = builder.ToString();
        if (slug.Length > 0 && char.IsAsciiDigit(slug[0]))
        {
            slug = "ws-" + slug;
        }

        slug = (slug.Length > MaxSlugLength ? slug[..MaxSlugLength] : slug).Trim('-');
        return slug.Length == 0 ? "ws" : slug;
    }

    /// <summary>
    /// Whether <paramref name="id"/> is a well-formed id: a lower-case DNS label of at most <see cref="MaxLength"/>
    /// characters starting with a letter. Use it to refuse garbage ids (from URLs, API calls) before any lookup.
    /// </summary>
    public static bool IsValid([NotNullWhen(true)] string? id) => id is { Length: > 0 and <= MaxLength } && IdPattern().IsMatch(id);

    [GeneratedRegex(@"^[a-z]([a-z0-9-]*[a-z0-9])?\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();
}
