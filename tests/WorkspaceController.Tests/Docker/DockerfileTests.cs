using System.Text.RegularExpressions;
using Workspaces.FakeKubernetes;

namespace Workspaces.WorkspaceController.Tests.Docker;

/// <summary>The Dockerfiles read as text (no Docker here): what their images contain and where their bases come from.</summary>
public sealed partial class DockerfileTests
{
    private static readonly string[] Names = ["agent", "controller", "web", "workspace-default"];

    public static TheoryData<string> Dockerfiles => new(Names);

    [Fact]
    public void AgentImage_FinalStage_HasCaCertificatesAndTheLibsslLibgit2Loads()
    {
        var final = Stages(Read("agent")).Last();

        var packages = AptPackages(final);
        Assert.Contains("ca-certificates", packages);
        Assert.Contains("libssl3", packages);
        Assert.StartsWith("FROM debian:bookworm-slim@", final, StringComparison.Ordinal);
    }

    [Fact]
    public void AgentImage_Builds_BothArchitecturesBothLibcsAndChecksTheGlibcFloor()
    {
        var text = Read("agent");

        Assert.Contains("linux-$([ \"$TARGETARCH\" = arm64 ] && echo arm64 || echo x64)", text, StringComparison.Ordinal);
        Assert.Contains("linux-musl-$([ \"$TARGETARCH\" = arm64 ] && echo arm64 || echo x64)", text, StringComparison.Ordinal);
        Assert.Contains("--platform linux/amd64,linux/arm64", text, StringComparison.Ordinal);
        Assert.Contains("objdump -T /out/Workspaces.WorkspaceAgent", text, StringComparison.Ordinal);
        Assert.Contains("cp /lib/ld-musl-*.so.1 /out/", text, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void EveryDockerfile_BaseImages_ArePinnedByADigestArgumentWithoutDefault(string name)
    {
        var text = Read(name);
        var froms = FromLine().Matches(text).Select(m => m.Groups["image"].Value).ToList();

        Assert.NotEmpty(froms);
        foreach (var image in froms.Where(i => i.Contains('/', StringComparison.Ordinal) || i.Contains(':', StringComparison.Ordinal)))
        {
            var digest = DigestArgument().Match(image);
            Assert.True(digest.Success, $"{name}: FROM {image} is not pinned by digest");
            // Declared before the first FROM, with no default: an unpinned build fails instead of floating.
            Assert.Matches($"(?m)^ARG {digest.Groups[1].Value}$", text[..text.IndexOf("\nFROM ", StringComparison.Ordinal)]);
        }
    }

    [Fact]
    public void PinScript_CoversEveryDigestArgument()
    {
        var script = File.ReadAllText(RepositoryRoot.Combine("scripts", "pin-base-images.sh"));
        var arguments = Names.SelectMany(d => DigestArgument().Matches(Read(d)).Select(m => m.Groups[1].Value)).Distinct();

        Assert.All(arguments, a => Assert.Contains($"[{a}]=", script, StringComparison.Ordinal));
    }

    private static string Read(string name) => File.ReadAllText(RepositoryRoot.Combine("deploy", "docker", $"{name}.Dockerfile"));

    private static List<string> Stages(string text) => [.. Regex.Split(text, "(?m)^(?=FROM )").Where(s => s.StartsWith("FROM ", StringComparison.Ordinal))];

    private static HashSet<string> AptPackages(string stage)
    {
        var install = Regex.Match(stage, @"apt-get install[^\n]*?((?:\\\n|[^\n])*)");
        return [.. Regex.Split(install.Value.Replace("\\\n", " ", StringComparison.Ordinal), @"\s+").Where(w => w.Length > 0 && !w.StartsWith('-') && w is not ("apt-get" or "install" or "&&" or "DEBIAN_FRONTEND=noninteractive"))];
    }

    [GeneratedRegex(@"(?m)^FROM (?:--platform=\S+ )?(?<image>\S+)")]
    private static partial Regex FromLine();

    [GeneratedRegex(@"@\$\{([A-Z_]+_DIGEST)\}")]
    private static partial Regex DigestArgument();
}
