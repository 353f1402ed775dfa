using Workspaces.Shared.Repositories;

namespace Workspaces.Shared.Tests.Repositories;

public sealed class RepositoryReferenceTests
{
    [Theory]
    [InlineData("https://github.com/org/repo", "https://github.com/org/repo")]
    [InlineData("https://github.com/org/repo.git", "https://github.com/org/repo.git")]
    [InlineData("https://github.com/org/repo/", "https://github.com/org/repo")]
    [InlineData("https://github.com/org/repo.git/", "https://github.com/org/repo.git")]
    [InlineData("  https://github.com/org/repo\r\n", "https://github.com/org/repo")]
    [InlineData("HTTPS://GitHub.COM/Org/Repo", "https://github.com/Org/Repo")]
    [InlineData("https://github.com/org/repo?tab=readme-ov-file#readme", "https://github.com/org/repo")]
    [InlineData("https://git.example.com:443/org/repo", "https://git.example.com/org/repo")]
    [InlineData("https://gitlab.com/group/sub/repo", "https://gitlab.com/group/sub/repo")]
    [InlineData("https://dev.azure.com/org/My%20Project/_git/repo", "https://dev.azure.com/org/My%20Project/_git/repo")]
    [InlineData("https://git.example.com/repo.git", "https://git.example.com/repo.git")]
    public void TryParse_HttpsUrl_NormalizesTheCloneUrl(string input, string cloneUrl)
    {
        var reference = RepositoryReference.Parse(input);

        Assert.Equal(cloneUrl, reference.CloneUrl);
        Assert.Equal(RepositoryReferenceKind.Https, reference.Kind);
        Assert.Null(reference.Ref);
    }

    [Fact]
    public void TryParse_GitHubUrl_GivesHostNamesAndDirectory()
    {
        Assert.True(RepositoryReference.TryParse("https://github.com/dotnet/aspire.git", null, out var reference, out var error));

        Assert.Null(error);
        Assert.Equal("github.com", reference.Host);
        Assert.Equal("dotnet/aspire", reference.DisplayName);
        Assert.Equal("aspire", reference.RepositoryName);
        Assert.Equal("aspire", reference.SuggestedDirectoryName);
    }

    [Theory]
    [InlineData("http://git.local:3000/org/repo.git", RepositoryReferenceKind.Http, "git.local:3000")]
    [InlineData("https://git.example.com:8443/org/repo", RepositoryReferenceKind.Https, "git.example.com:8443")]
    [InlineData("https://[::1]:8443/org/repo", RepositoryReferenceKind.Https, "[::1]:8443")]
    [InlineData("https://bücher.example/org/repo", RepositoryReferenceKind.Https, "xn--bcher-kva.example")]
    public void TryParse_HostWithPortOrUnicode_HostIsTheTokenLookupKey(string input, RepositoryReferenceKind kind, string host)
    {
        var reference = RepositoryReference.Parse(input);

        Assert.Equal(kind, reference.Kind);
        Assert.Equal(host, reference.Host);
        Assert.StartsWith($"{kind.ToString().ToLowerInvariant()}://{host}/", reference.CloneUrl, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://github.com/org/repo/tree/main", "https://github.com/org/repo", "main")]
    [InlineData("https://github.com/org/repo/tree/feature/x", "https://github.com/org/repo", "feature/x")]
    [InlineData("https://github.com/org/repo/tree/feature%2Fy", "https://github.com/org/repo", "feature/y")]
    [InlineData("https://github.com/org/repo/tree/main/", "https://github.com/org/repo", "main")]
    [InlineData("https://gitlab.com/group/sub/repo/-/tree/dev/x", "https://gitlab.com/group/sub/repo", "dev/x")]
    [InlineData("https://gitea.example.com/org/repo/src/branch/release/1.0", "https://gitea.example.com/org/repo", "release/1.0")]
    [InlineData("https://github.com/org/repo?ref=v1.2", "https://github.com/org/repo", "v1.2")]
    [InlineData("https://github.com/org/repo.git?ref=feature%2Fz", "https://github.com/org/repo.git", "feature/z")]
    [InlineData("https://github.com/org/repo/tree/main?ref=main", "https://github.com/org/repo", "main")]
    [InlineData("https://github.com/org/repo/tree", "https://github.com/org/repo", null)]
    public void TryParse_BranchInTheUrl_IsTheRefAndIsCutFromTheCloneUrl(string input, string cloneUrl, string? @ref)
    {
        var reference = RepositoryReference.Parse(input);

        Assert.Equal(cloneUrl, reference.CloneUrl);
        Assert.Equal(@ref, reference.Ref);
        Assert.Equal("repo", reference.RepositoryName);
    }

    [Fact]
    public void TryParse_ExplicitRef_WinsOverTheBranchInTheUrl()
    {
        var reference = RepositoryReference.Parse("https://github.com/org/repo/tree/main", "release/2");

        Assert.Equal("release/2", reference.Ref);
        Assert.Equal("https://github.com/org/repo", reference.CloneUrl);
    }

    [Fact]
    public void TryParse_EmptyExplicitRef_MeansNoneGiven()
    {
        Assert.Equal("main", RepositoryReference.Parse("https://github.com/org/repo/tree/main", "").Ref);
    }

    [Fact]
    public void TryParse_ExplicitRef_ReplacesAnInvalidBranchInTheUrl()
    {
        Assert.Equal("main", RepositoryReference.Parse("https://github.com/org/repo/tree/bad..ref", "main").Ref);
    }

    [Theory]
    [InlineData("file:///srv/git/x.git", "file:///srv/git/x.git", RepositoryReferenceKind.File, "/srv/git/x.git", "x")]
    [InlineData("file://localhost/srv/git/x.git", "file:///srv/git/x.git", RepositoryReferenceKind.File, "/srv/git/x.git", "x")]
    [InlineData("/srv/git/x.git", "/srv/git/x.git", RepositoryReferenceKind.LocalPath, "/srv/git/x.git", "x")]
    [InlineData("/srv//git/my-repo.git/", "/srv/git/my-repo.git", RepositoryReferenceKind.LocalPath, "/srv/git/my-repo.git", "my-repo")]
    public void TryParse_LocalRepository_HasNoHost(string input, string cloneUrl, RepositoryReferenceKind kind, string displayName, string name)
    {
        var reference = RepositoryReference.Parse(input);

        Assert.Equal(cloneUrl, reference.CloneUrl);
        Assert.Equal(kind, reference.Kind);
        Assert.Null(reference.Host);
        Assert.Equal(displayName, reference.DisplayName);
        Assert.Equal(name, reference.RepositoryName);
    }

    [Fact]
    public void TryParse_FileUrlWithRef_ReadsTheRef()
    {
        Assert.Equal("main", RepositoryReference.Parse("file:///srv/git/x.git?ref=main").Ref);
    }

    [Theory]
    [InlineData(null, "Paste the URL of a Git repository, such as https://github.com/org/repo.")]
    [InlineData("", "Paste the URL of a Git repository, such as https://github.com/org/repo.")]
    [InlineData("  \n ", "Paste the URL of a Git repository, such as https://github.com/org/repo.")]
    [InlineData("ssh://git@github.com/org/repo.git", "SSH URLs are not supported; paste the HTTPS URL (\"https://github.com/org/repo.git\") and store a token for \"github.com\" in Settings.")]
    [InlineData("git@github.com:org/repo.git", "SSH URLs are not supported; paste the HTTPS URL (\"https://github.com/org/repo.git\") and store a token for \"github.com\" in Settings.")]
    [InlineData("git+ssh://git@gitlab.com/group/repo", "SSH URLs are not supported; paste the HTTPS URL (\"https://gitlab.com/group/repo\") and store a token for \"gitlab.com\" in Settings.")]
    [InlineData("github.com:org/repo", "SSH URLs are not supported; paste the HTTPS URL (\"https://github.com/org/repo\") and store a token for \"github.com\" in Settings.")]
    [InlineData("git://github.com/org/repo", "The git:// protocol is not supported (it is neither encrypted nor authenticated); paste the repository's HTTPS URL.")]
    [InlineData("ftp://example.com/repo.git", "\"ftp:\" URLs are not supported; paste an https:// URL of a Git repository (or http://, file:// or an absolute path on the server).")]
    [InlineData("javascript:alert(document.cookie)", "\"javascript:\" URLs are not supported; paste an https:// URL of a Git repository (or http://, file:// or an absolute path on the server).")]
    [InlineData("data:text/html,<script>alert(1)</script>", "\"data:\" URLs are not supported; paste an https:// URL of a Git repository (or http://, file:// or an absolute path on the server).")]
    [InlineData("JavaScript:alert(1)", "\"javascript:\" URLs are not supported; paste an https:// URL of a Git repository (or http://, file:// or an absolute path on the server).")]
    [InlineData("repo", "Relative paths are not supported; paste the repository's URL, or its absolute path on the server.")]
    [InlineData("./repo", "Relative paths are not supported; paste the repository's URL, or its absolute path on the server.")]
    [InlineData("../../etc/passwd", "Relative paths are not supported; paste the repository's URL, or its absolute path on the server.")]
    [InlineData("~/repo", "Relative paths are not supported; paste the repository's URL, or its absolute path on the server.")]
    [InlineData("github.com/org/repo", "Add \"https://\" in front: \"https://github.com/org/repo\".")]
    [InlineData("localhost:3000/org/repo", "Add \"https://\" (or \"http://\") in front: \"https://localhost:3000/org/repo\".")]
    [InlineData("https:/github.com/org/repo", "The URL is missing \"//\" after \"https:\"; write it as https://….")]
    [InlineData(@"C:\repos\x", "Windows paths are not supported; use the repository's HTTPS URL.")]
    [InlineData("https:///org/repo", "The URL could not be understood; check the host name and try again.")]
    [InlineData("https://github.com", "The URL has no repository path; paste the repository's URL, such as https://github.com/org/repo.")]
    [InlineData("https://github.com/", "The URL has no repository path; paste the repository's URL, such as https://github.com/org/repo.")]
    [InlineData("https://host/.git", "The path does not end with a repository name; paste the repository's URL, such as https://github.com/org/repo.")]
    [InlineData("https://host/org/...git", "The path does not end with a repository name; paste the repository's URL, such as https://github.com/org/repo.")]
    [InlineData("/srv/git/..git", "The path does not end with a repository name; paste the repository's URL, such as https://github.com/org/repo.")]
    [InlineData("https://github.com/org/../other", "The URL's path must not contain \".\" or \"..\" segments; paste the repository's URL.")]
    [InlineData("https://github.com/org/%2e%2e/x", "The URL's path must not contain \".\" or \"..\" segments; paste the repository's URL.")]
    [InlineData("https://github.com/org/a%2Fb", "The URL's path must not contain encoded slashes (%2F, %5C); paste the repository's URL.")]
    [InlineData("https://github.com/org/a%0Ab", "The URL's path contains an encoded control character; paste the repository's URL.")]
    [InlineData("https://evil.example\\github.com/org/repo", "The URL must not contain a backslash (\\); paste the repository's URL as the browser shows it.")]
    [InlineData("https://github.com/org/repo/blob/main/README.md", "This is a link to a page inside a repository, not to the repository; paste https://github.com/org/repo instead.")]
    [InlineData("https://github.com/org/repo/pull/42", "This is a link to a page inside a repository, not to the repository; paste https://github.com/org/repo instead.")]
    [InlineData("https://gitlab.com/group/sub/repo/-/blob/main/README.md", "This is a link to a page inside a repository, not to the repository; paste https://gitlab.com/group/sub/repo instead.")]
    [InlineData("https://github.com/org/repo/tree/main?ref=dev", "The URL names two branches, \"main\" in the path and \"dev\" in \"?ref=\"; keep one.")]
    [InlineData("https://github.com/org/repo?ref=a&ref=b", "The URL has more than one \"ref=\"; keep one.")]
    [InlineData("https://github.com/org/repo?ref=", "The URL's \"ref=\" is empty; name a branch or tag, or remove it.")]
    [InlineData("file://server/share/repo.git", "A file:// URL must not name a host; write it as file:///absolute/path.")]
    [InlineData("file:///", "The file:// URL has no path; write it as file:///absolute/path/to/repo.git.")]
    [InlineData("/", "\"/\" is not a repository; give the absolute path of one, such as /srv/git/repo.git.")]
    [InlineData("/srv/git/../../etc", "The path must not contain \".\" or \"..\"; give the repository's absolute path.")]
    public void TryParse_UnsupportedInput_IsRefusedWithAnActionableMessage(string? input, string expected)
    {
        Assert.False(RepositoryReference.TryParse(input, null, out var reference, out var error));

        Assert.Null(reference);
        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("https://user:ghp_s3cr3tT0ken@github.com/org/repo")]
    [InlineData("https://ghp_s3cr3tT0ken@github.com/org/repo.git")]
    [InlineData("https://oauth2:ghp_s3cr3tT0ken@GitHub.com/org/repo/tree/main")]
    [InlineData("http://user:ghp_s3cr3tT0ken@github.com@github.com/org/repo")]
    public void TryParse_CredentialsInTheUrl_AreRefusedAndNeverRepeated(string input)
    {
        Assert.False(RepositoryReference.TryParse(input, null, out _, out var error));

        Assert.Equal("Don't put user names or tokens in URLs: remove the part before \"@\" and store a token for \"github.com\" in Settings instead.", error);
        Assert.DoesNotContain("s3cr3t", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TryParse_HostHiddenBehindAnAt_IsTheHostNamedInTheMessage()
    {
        Assert.False(RepositoryReference.TryParse("https://github.com@evil.example/org/repo", null, out _, out var error));

        Assert.Contains("store a token for \"evil.example\"", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://github.com/org/re po", 26)]
    [InlineData("https://github.com/org/repo\tx", 28)]
    [InlineData("https://github.com/org/repo\u202Egpj.exe", 28)]
    [InlineData("https://github.com/org/\u200Brepo", 24)]
    [InlineData("https://github.com/org/repo\u0000", 28)]
    [InlineData("https://github.com/org/\u00A0repo", 24)]
    [InlineData("https://github.com/org/repo\nhttps://evil.example/x", 28)]
    public void TryParse_SpacesOrInvisibleCharacters_AreRefusedWithTheirPosition(string input, int position)
    {
        Assert.False(RepositoryReference.TryParse(input, null, out _, out var error));

        Assert.Equal($"The repository URL contains a space, a line break or an invisible character (at character {position}); remove it and try again.", error);
    }

    [Fact]
    public void TryParse_LoneSurrogate_IsRefusedWithItsPosition()
    {
        // Built at run time: an attribute argument is stored as UTF-8, which turns a lone surrogate into U+FFFD.
        var input = "https://github.com/org/repo" + (char)0xD800;

        Assert.False(RepositoryReference.TryParse(input, null, out _, out var error));
        Assert.Equal("The repository URL contains a space, a line break or an invisible character (at character 28); remove it and try again.", error);
    }

    [Fact]
    public void TryParse_OverLongInput_IsRefused()
    {
        var input = "https://github.com/org/" + new string('a', RepositoryReference.MaxLength);

        Assert.False(RepositoryReference.TryParse(input, null, out _, out var error));
        Assert.Equal("The repository URL is longer than 2048 characters.", error);
    }

    [Fact]
    public void TryParse_InputOfExactlyMaxLength_IsAccepted()
    {
        var prefix = "https://github.com/org/";
        var input = prefix + new string('a', RepositoryReference.MaxLength - prefix.Length);

        Assert.True(RepositoryReference.TryParse(input, null, out var reference, out _));
        Assert.Equal(RepositoryReference.MaxDirectoryNameLength, reference.SuggestedDirectoryName.Length);
    }

    [Theory]
    [InlineData("bad..ref", "The branch or tag \"bad..ref\" is not a valid Git ref name: it contains \"..\".")]
    [InlineData("--upload-pack=touch /tmp/pwned", "The branch or tag \"--upload-pack=touch /tmp/pwned\" is not a valid Git ref name: it starts with \"-\".")]
    [InlineData("feature/x.lock", "The branch or tag \"feature/x.lock\" is not a valid Git ref name: a part of it ends with \".lock\".")]
    public void TryParse_InvalidExplicitRef_IsRefused(string @ref, string expected)
    {
        Assert.False(RepositoryReference.TryParse("https://github.com/org/repo", @ref, out _, out var error));

        Assert.Equal(expected, error);
    }

    [Theory]
    [InlineData("https://github.com/org/repo/tree/a..b", "The branch in the URL, \"a..b\", is not a valid Git ref name: it contains \"..\".")]
    [InlineData("https://github.com/org/repo?ref=-x", "The branch in the URL, \"-x\", is not a valid Git ref name: it starts with \"-\".")]
    [InlineData("https://github.com/org/repo?ref=a%20b", "The branch in the URL, \"a b\", is not a valid Git ref name: it contains a space or an invisible character.")]
    [InlineData("https://github.com/org/repo/tree/x%7E1", "The branch in the URL, \"x~1\", is not a valid Git ref name: it contains \"~\" (not allowed: ~ ^ : ? * [ \\).")]
    public void TryParse_InvalidRefInTheUrl_IsRefused(string input, string expected)
    {
        Assert.False(RepositoryReference.TryParse(input, null, out _, out var error));

        Assert.Equal(expected, error);
    }

    [Fact]
    public void Parse_InvalidInput_ThrowsFormatExceptionWithTheUserMessage()
    {
        var exception = Assert.Throws<FormatException>(() => RepositoryReference.Parse("git@github.com:org/repo.git"));

        Assert.StartsWith("SSH URLs are not supported", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://github.com/org/my-app", "my-app")]
    [InlineData("https://github.com/org/My.App_2.git", "My.App_2")]
    [InlineData("https://github.com/org/.hidden", "hidden")]
    [InlineData("https://github.com/org/-rf", "rf")]
    [InlineData("https://github.com/org/%E6%97%A5%E6%9C%AC", "repo")]
    [InlineData("https://github.com/org/a%20b%3Bc", "a-b-c")]
    [InlineData("https://github.com/org/trailing.", "trailing")]
    [InlineData("https://github.com/org/...", "repo")]
    [InlineData("https://github.com/org/---", "repo")]
    public void SuggestedDirectoryName_AnyRepositoryName_IsASafeDirectoryName(string input, string expected)
    {
        var reference = RepositoryReference.Parse(input);

        Assert.Equal(expected, reference.SuggestedDirectoryName);
        Assert.Matches(@"^[A-Za-z0-9_-][A-Za-z0-9._-]*\z", reference.SuggestedDirectoryName);
    }

    [Fact]
    public void DisplayName_EncodedPath_IsShownDecoded()
    {
        var reference = RepositoryReference.Parse("https://dev.azure.com/org/My%20Project/_git/repo");

        Assert.Equal("org/My Project/_git/repo", reference.DisplayName);
        Assert.Equal("repo", reference.RepositoryName);
    }
}
