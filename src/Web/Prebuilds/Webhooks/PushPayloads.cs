using System.Text.Json;

namespace Workspaces.Web.Prebuilds.Webhooks;

/// <summary>A push to a branch, as every host's payload says it.</summary>
/// <param name="Commits">How many commits the push brought (at least 1).</param>
/// <param name="DefaultBranch">The repository's default branch when the payload names it.</param>
public sealed record PushEvent(string Branch, string Commit, int Commits, string? DefaultBranch);

/// <summary>Reads the branch, head commit and commit count of a push from each host's payload shape.</summary>
public static class PushPayloads
{
    private const string BranchPrefix = "refs/heads/";
    private const string ZeroCommit = "0000000000000000000000000000000000000000";

    /// <summary>The push, or null with <paramref name="ignored"/> saying why there is nothing to build (a tag, a deleted branch).</summary>
    /// <exception cref="JsonException">The body is not the host's push payload.</exception>
    public static PushEvent? Parse(GitHost host, ReadOnlySpan<byte> body, out string? ignored)
    {
        using var document = JsonDocument.Parse(body.ToArray());
        var root = document.RootElement;
        return host == GitHost.Bitbucket ? ParseBitbucket(root, out ignored) : ParseGitStyle(host, root, out ignored);
    }

    // GitHub, GitLab, Gitea and Forgejo share ref/after and a commits list.
    private static PushEvent? ParseGitStyle(GitHost host, JsonElement root, out string? ignored)
    {
        var reference = String(root, "ref") ?? throw new JsonException("The payload has no \"ref\".");
        var after = String(root, "after") ?? throw new JsonException("The payload has no \"after\".");
        ignored = null;
        if (!reference.StartsWith(BranchPrefix, StringComparison.Ordinal))
        {
            ignored = $"{reference} is not a branch; only branch pushes start prebuilds.";
            return null;
        }

        if (after == ZeroCommit || (root.TryGetProperty("deleted", out var deleted) && deleted.ValueKind == JsonValueKind.True))
        {
            ignored = $"The branch {reference[BranchPrefix.Length..]} was deleted.";
            return null;
        }

        var count = host switch
        {
            GitHost.GitLab => Int(root, "total_commits_count"),
            GitHost.Gitea => Int(root, "total_commits"),
            _ => null,
        } ?? (root.TryGetProperty("commits", out var commits) && commits.ValueKind == JsonValueKind.Array ? commits.GetArrayLength() : 1);
        var defaultBranch = host == GitHost.GitLab
            ? root.TryGetProperty("project", out var project) ? String(project, "default_branch") : null
            : root.TryGetProperty("repository", out var repository) ? String(repository, "default_branch") : null;
        return new PushEvent(reference[BranchPrefix.Length..], after, Math.Max(1, count), defaultBranch);
    }

    // Bitbucket Cloud: push.changes[].new {type, name, target.hash}; Data Center: changes[] {ref.id, toHash, type}.
    private static PushEvent? ParseBitbucket(JsonElement root, out string? ignored)
    {
        ignored = null;
        if (root.TryGetProperty("push", out var push) && push.TryGetProperty("changes", out var cloudChanges) && cloudChanges.ValueKind == JsonValueKind.Array)
        {
            foreach (var change in cloudChanges.EnumerateArray())
            {
                if (!change.TryGetProperty("new", out var created) || created.ValueKind != JsonValueKind.Object)
                {
                    ignored = "The branch was deleted.";
                    continue;
                }

                if (String(created, "type") != "branch")
                {
                    ignored = $"{String(created, "name")} is not a branch; only branch pushes start prebuilds.";
                    continue;
                }

                var hash = created.TryGetProperty("target", out var target) ? String(target, "hash") : null;
                var count = change.TryGetProperty("commits", out var commits) && commits.ValueKind == JsonValueKind.Array ? commits.GetArrayLength() : 1;
                var mainBranch = root.TryGetProperty("repository", out var repository) && repository.TryGetProperty("mainbranch", out var main) && main.ValueKind == JsonValueKind.Object
                    ? String(main, "name") : null;
                return new PushEvent(String(created, "name") ?? throw new JsonException("A change has no branch name."), hash ?? throw new JsonException("A change has no target hash."), Math.Max(1, count), mainBranch);
            }

            return null;
        }

        if (root.TryGetProperty("changes", out var changes) && changes.ValueKind == JsonValueKind.Array)
        {
            foreach (var change in changes.EnumerateArray())
            {
                var reference = change.TryGetProperty("ref", out var r) ? String(r, "id") : String(change, "refId");
                if (reference is null || !reference.StartsWith(BranchPrefix, StringComparison.Ordinal))
                {
                    ignored = $"{reference} is not a branch; only branch pushes start prebuilds.";
                    continue;
                }

                if (String(change, "type") == "DELETE")
                {
                    ignored = "The branch was deleted.";
                    continue;
                }

                return new PushEvent(reference[BranchPrefix.Length..], String(change, "toHash") ?? throw new JsonException("A change has no \"toHash\"."), 1, null);
            }

            return null;
        }

        throw new JsonException("The payload has no \"push.changes\" (Bitbucket Cloud) or \"changes\" (Bitbucket Data Center).");
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;
}
