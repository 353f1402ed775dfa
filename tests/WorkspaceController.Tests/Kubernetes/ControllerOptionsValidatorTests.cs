using Workspaces.WorkspaceController.Kubernetes;
using Workspaces.WorkspaceController.Kubernetes.Resources;

namespace Workspaces.WorkspaceController.Tests.Kubernetes;

public sealed class ControllerOptionsValidatorTests
{
    [Fact]
    public void Validate_CompleteOptions_Succeeds()
    {
        Assert.True(new ControllerOptionsValidator().Validate(null, Valid()).Succeeded);
    }

    [Fact]
    public void Validate_BadValues_NamesEveryKey()
    {
        var options = Valid();
        options.Namespace = "Not_A_Namespace";
        options.AgentImage = "";
        options.ImagePullPolicy = "Sometimes";
        options.AgentPort = 80;
        options.DefaultClass = "huge";
        options.Classes["standard"].MemoryLimit = "lots";
        options.BlockedCidrs = ["10.0.0.0/33"];
        options.CredentialKey = "c2hvcnQ=";
        options.LeaderElection.RenewDeadline = TimeSpan.FromSeconds(30);
        options.AgentTelemetry.OtlpProtocol = "Carrier pigeon";
        options.AgentTelemetry.LogFormat = "Xml";
        options.AgentTelemetry.Port = 0;

        var result = new ControllerOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        foreach (var key in new[] { "Namespace", "AgentImage", "ImagePullPolicy", "AgentPort", "DefaultClass", "Classes:standard:MemoryLimit", "BlockedCidrs", "CredentialKey", "LeaderElection", "AgentTelemetry:OtlpProtocol", "AgentTelemetry:LogFormat", "AgentTelemetry:Port" })
        {
            Assert.Contains(result.Failures!, f => f.StartsWith($"Workspaces:Controller:{key}", StringComparison.Ordinal));
        }
    }

    private static ControllerOptions Valid() => new()
    {
        Namespace = "workspaces",
        AgentImage = "registry.example/agent:1",
        DefaultWorkspaceImage = "registry.example/workspace:1",
        Classes = { ["standard"] = new WorkspaceClassOptions() },
        WebPodLabels = { ["app.kubernetes.io/component"] = "web" },
        BlockedCidrs = ["10.0.0.0/8", "fd00::/8"],
        Dns = { PodLabels = { ["k8s-app"] = "kube-dns" } },
        CredentialKey = SealedCredentials.NewKey(),
    };
}
