using Workspaces.WorkspaceController.ClusterAccess;

namespace Workspaces.WorkspaceController.Tests.ClusterAccess;

public sealed class ClusterAccessPolicyTests
{
    private static readonly string[] Reserved = ["workspaces"];

    [Theory]
    [InlineData("dev-{workspace}")]
    [InlineData("team-a-{workspace}-dev")]
    public void PatternProblem_SafePattern_IsAccepted(string pattern) =>
        Assert.Null(ClusterAccessPolicy.PatternProblem(pattern, Reserved, 40));

    [Theory]
    [InlineData("kube-{workspace}", "kube-*")]
    [InlineData("ku{workspace}", "kube-*")]
    [InlineData("{workspace}", "start with a lowercase letter")]
    [InlineData("workspace{workspace}", "reserved")]
    [InlineData("defaul{workspace}", "'default'")]
    [InlineData("dev", "exactly once")]
    [InlineData("dev-{workspace}-{workspace}", "exactly once")]
    [InlineData("Dev-{workspace}", "lowercase")]
    [InlineData("a-very-long-prefix-for-namespaces-{workspace}", "too little room")]
    public void PatternProblem_CollidingOrMalformedPattern_IsRefusedSayingWhy(string pattern, string expected)
    {
        var problem = ClusterAccessPolicy.PatternProblem(pattern, Reserved, 40);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void RulesProblem_NarrowerThanEdit_IsAccepted()
    {
        var rules = new[] { ClusterAccessRule.Of(["apps"], ["deployments"], ["get", "create"]), ClusterAccessRule.Of([""], ["services"], ["list"]) };

        Assert.Null(ClusterAccessPolicy.RulesProblem(rules, EditRules.Default));
    }

    [Theory]
    [InlineData("rbac.authorization.k8s.io", "roles", "create")]
    [InlineData("networking.k8s.io", "networkpolicies", "delete")]
    [InlineData("", "namespaces", "create")]
    [InlineData("apps", "deployments", "*")]
    public void RulesProblem_WiderThanTheCeiling_NamesWhatIsTooWide(string group, string resource, string verb)
    {
        var problem = ClusterAccessPolicy.RulesProblem([ClusterAccessRule.Of([group], [resource], [verb])], EditRules.Default);

        Assert.NotNull(problem);
        Assert.Contains($"'{verb}' on '{resource}'", problem, StringComparison.Ordinal);
        Assert.Contains("wider than the administrator allows", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("kube-system")]
    [InlineData("kube-anything")]
    [InlineData("default")]
    [InlineData("workspaces")]
    [InlineData("Not_A_Label")]
    public void NamespaceProblem_ReservedOrInvalid_IsRefused(string ns) =>
        Assert.NotNull(ClusterAccessPolicy.NamespaceProblem(ns, Reserved));
}
