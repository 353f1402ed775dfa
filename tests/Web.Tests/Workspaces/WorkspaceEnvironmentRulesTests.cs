using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Workspaces.Web.Tests.Authorization;
using Workspaces.Web.Tests.Infrastructure;

namespace Workspaces.Web.Tests.Workspaces;

/// <summary>
/// The API route of the environment rule (the link route is Shared.Tests' VariableRulesTests): one member of every
/// refused family, the spoofing characters, the limits the link has; and project and personal variables, which reach
/// workspaces too.
/// </summary>
public sealed class WorkspaceEnvironmentRulesTests(AppFixture fixture) : IClassFixture<AppFixture>
{
    public static TheoryData<string, string> OneOfEachFamily => new()
    {
        { "LD_PRELOAD", "loader and runtime hooks" },
        { "JAVA_TOOL_OPTIONS", "loader and runtime hooks" },
        { "_JAVA_OPTIONS", "loader and runtime hooks" },
        { "NODE_OPTIONS", "loader and runtime hooks" },
        { "DOTNET_STARTUP_HOOKS", "loader and runtime hooks" },
        { "CORECLR_PROFILER_PATH", "loader and runtime hooks" },
        { "COR_ENABLE_PROFILING", "loader and runtime hooks" },
        { "GCONV_PATH", "loader and runtime hooks" },
        { "GLIBC_TUNABLES", "loader and runtime hooks" },
        { "MALLOC_PERTURB_", "loader and runtime hooks" },
        { "PERL5OPT", "loader and runtime hooks" },
        { "RUBYOPT", "loader and runtime hooks" },
        { "PYTHONSTARTUP", "Python start-up" },
        { "NODE_TLS_REJECT_UNAUTHORIZED", "Node.js start-up" },
        { "BASH_ENV", "shell start-up" },
        { "PROMPT_COMMAND", "shell start-up" },
        { "LESSOPEN", "programs run for you" },
        { "HTTPS_PROXY", "proxy and TLS settings" },
        { "http_proxy", "proxy and TLS settings" },
        { "SSL_CERT_FILE", "proxy and TLS settings" },
        { "REQUESTS_CA_BUNDLE", "proxy and TLS settings" },
        { "npm_config_registry", "package manager settings" },
        { "GIT_DIR", "Git redirection" },
        { "GIT_WORK_TREE", "Git redirection" },
        { "GIT_SSL_NO_VERIFY", "proxy and TLS settings" },
        { "GIT_ASKPASS", "Git redirection" },
        { "Workspaces__DataDirectory", "the service's own configuration" },
        { "ASPNETCORE_URLS", "the service's own configuration" },
        { "KUBERNETES_SERVICE_HOST", "the service's own configuration" },
    };

    [Theory]
    [MemberData(nameof(OneOfEachFamily))]
    public async Task CreateWorkspace_RefusedFamilyInEnvironment_BadRequestNamingItAndNothingCreated(string name, string family)
    {
        using var user = await fixture.App.CreateUserAsync();

        var message = await EnvironmentErrorAsync(user, new Dictionary<string, string> { ["GREETING"] = "hi", [name] = "x" });

        Assert.Contains(name, message, StringComparison.Ordinal);
        Assert.Contains(family, message, StringComparison.Ordinal);
        Assert.Empty(await user.ListWorkspacesAsync());
    }

    [Theory]
    [InlineData("\u202E")]
    [InlineData("\u2066")]
    [InlineData("\u200B")]
    [InlineData("\u2028")]
    [InlineData("\u2029")]
    [InlineData("\n")]
    public async Task CreateWorkspace_SpoofingCharacterInValue_BadRequest(string character)
    {
        using var user = await fixture.App.CreateUserAsync();

        var message = await EnvironmentErrorAsync(user, new Dictionary<string, string> { ["GREETING"] = "a" + character + "b" });

        Assert.Contains("GREETING", message, StringComparison.Ordinal);
        Assert.Empty(await user.ListWorkspacesAsync());
    }

    [Fact]
    public async Task CreateWorkspace_MoreVariablesThanALinkMaySet_BadRequest()
    {
        using var user = await fixture.App.CreateUserAsync();
        var environment = Enumerable.Range(0, 300).ToDictionary(i => $"V{i}", _ => "x");

        var message = await EnvironmentErrorAsync(user, environment);

        Assert.Contains("at most 32", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CreateWorkspace_ValueLongerThanALinkMaySet_BadRequest()
    {
        using var user = await fixture.App.CreateUserAsync();

        var message = await EnvironmentErrorAsync(user, new Dictionary<string, string> { ["BIG"] = new string('x', 1025) });

        Assert.Contains("longer than 1024", message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("LD_PRELOAD")]
    [InlineData("HTTPS_PROXY")]
    [InlineData("GIT_CONFIG_GLOBAL")]
    [InlineData("Workspaces__AllowLocalRepositories")]
    public async Task PersonalVariable_RefusedFamily_BadRequestOnTheName(string name)
    {
        using var user = await fixture.App.CreateUserAsync();

        using var response = await user.Http.PutAsJsonAsync($"/api/me/variables/{name}", new { value = "x" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(name, ErrorOf(await response.Content.ReadAsStringAsync(), "name"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PersonalVariable_BidiOverrideInValue_BadRequestButCertificateLinesAccepted()
    {
        using var user = await fixture.App.CreateUserAsync();

        using var spoofed = await user.Http.PutAsJsonAsync("/api/me/variables/GREETING", new { value = "abc\u202Edef" });
        using var certificate = await user.Http.PutAsJsonAsync("/api/me/variables/CERT", new { value = "-----BEGIN-----\nabc\n-----END-----\n" });

        Assert.Equal(HttpStatusCode.BadRequest, spoofed.StatusCode);
        Assert.Contains("invisible", ErrorOf(await spoofed.Content.ReadAsStringAsync(), "value"), StringComparison.Ordinal);
        Assert.True(certificate.IsSuccessStatusCode, await certificate.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task ProjectVariable_RefusedFamily_BadRequest_ButTheSameNameAsAFileIsAccepted()
    {
        using var lead = await fixture.App.CreateUserAsync();
        var teamId = (await AccessWorld.PostAsync(lead, "/api/teams", new { name = "Platform" })).GetProperty("id").GetString()!;
        var projectId = (await AccessWorld.PostAsync(lead, $"/api/teams/{teamId}/projects", new { name = "api", repositoryUrl = "https://github.com/org/api" }))
            .GetProperty("id").GetString()!;

        using var hook = await lead.Http.PutAsJsonAsync($"/api/projects/{projectId}/variables/JAVA_TOOL_OPTIONS", new { value = "-javaagent:/tmp/x.jar" });
        using var asFile = await lead.Http.PutAsJsonAsync($"/api/projects/{projectId}/variables/JAVA_TOOL_OPTIONS", new { value = "not an environment variable", asFile = true });

        Assert.Equal(HttpStatusCode.BadRequest, hook.StatusCode);
        Assert.Contains("loader and runtime hooks", ErrorOf(await hook.Content.ReadAsStringAsync(), "name"), StringComparison.Ordinal);
        Assert.True(asFile.IsSuccessStatusCode, await asFile.Content.ReadAsStringAsync());
    }

    private static async Task<string> EnvironmentErrorAsync(ApiClient user, Dictionary<string, string> environment)
    {
        using var response = await user.Http.PostAsJsonAsync("/api/workspaces", new { repositoryUrl = "https://github.com/org/repo", environment });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return ErrorOf(await response.Content.ReadAsStringAsync(), "environment");
    }

    private static string ErrorOf(string body, string field)
    {
        using var problem = JsonDocument.Parse(body);
        return Assert.Single(problem.RootElement.GetProperty("errors").GetProperty(field).EnumerateArray()).GetString()!;
    }
}
