using Workspaces.Shared.Repositories;
using Workspaces.Shared.Variables;

namespace Workspaces.Shared.Tests.Variables;

/// <summary>
/// The hostile-variable suite: every refused family, by members the rule does not list by name, in any case, on the link
/// route (the API route runs the same names in Web.Tests); the Unicode categories that spoof a consent page; the limits.
/// </summary>
public sealed class VariableRulesTests
{
    /// <summary>Published ways to run code or intercept traffic through an environment variable, one family each.</summary>
    public static TheoryData<string, string> HostileNames => new()
    {
        // Loader and runtime hooks (glibc, the JVM, .NET, the CLR profiler API, Perl, Ruby, Lua).
        { "LD_PRELOAD", "loader and runtime hooks" },
        { "LD_AUDIT", "loader and runtime hooks" },
        { "ld_library_path", "loader and runtime hooks" },
        { "DYLD_INSERT_LIBRARIES", "loader and runtime hooks" },
        { "JAVA_TOOL_OPTIONS", "loader and runtime hooks" },
        { "_JAVA_OPTIONS", "loader and runtime hooks" },
        { "JDK_JAVA_OPTIONS", "loader and runtime hooks" },
        { "JAVA_OPTS", "loader and runtime hooks" },
        { "MAVEN_OPTS", "loader and runtime hooks" },
        { "GRADLE_OPTS", "loader and runtime hooks" },
        { "DOTNET_STARTUP_HOOKS", "loader and runtime hooks" },
        { "DOTNET_ADDITIONAL_DEPS", "loader and runtime hooks" },
        { "CORECLR_PROFILER_PATH", "loader and runtime hooks" },
        { "CORECLR_ENABLE_PROFILING", "loader and runtime hooks" },
        { "COR_PROFILER", "loader and runtime hooks" },
        { "COMPlus_EnableDiagnostics", "loader and runtime hooks" },
        { "GCONV_PATH", "loader and runtime hooks" },
        { "GLIBC_TUNABLES", "loader and runtime hooks" },
        { "LOCPATH", "loader and runtime hooks" },
        { "NLSPATH", "loader and runtime hooks" },
        { "MALLOC_CHECK_", "loader and runtime hooks" },
        { "MALLOC_ARENA_MAX", "loader and runtime hooks" },
        { "PERL5OPT", "loader and runtime hooks" },
        { "PERL5LIB", "loader and runtime hooks" },
        { "PERLLIB", "loader and runtime hooks" },
        { "RUBYOPT", "loader and runtime hooks" },
        { "RUBYLIB", "loader and runtime hooks" },
        { "LUA_INIT", "loader and runtime hooks" },
        { "RES_OPTIONS", "loader and runtime hooks" },
        { "BASH_FUNC_ls%%", "not a valid variable name" },
        { "PYTHONSTARTUP", "Python start-up" },
        { "PYTHONPATH", "Python start-up" },
        { "PYTHONHOME", "Python start-up" },
        { "PYTHONWARNINGS", "Python start-up" },
        { "PYTHONBREAKPOINT", "Python start-up" },
        { "NODE_OPTIONS", "loader and runtime hooks" },
        { "NODE_PATH", "Node.js start-up" },
        { "NODE_REPL_EXTERNAL_MODULE", "Node.js start-up" },
        { "NODE_EXTRA_CA_CERTS", "Node.js start-up" },
        { "NODE_TLS_REJECT_UNAUTHORIZED", "Node.js start-up" },
        // Shells and the programs tools start for you.
        { "BASH_ENV", "shell start-up" },
        { "ENV", "shell start-up" },
        { "PROMPT_COMMAND", "shell start-up" },
        { "PS1", "shell start-up" },
        { "PS4", "shell start-up" },
        { "SHELLOPTS", "shell start-up" },
        { "IFS", "shell start-up" },
        { "PATH", "shell start-up" },
        { "HOME", "shell start-up" },
        { "ZDOTDIR", "shell start-up" },
        { "EDITOR", "programs run for you" },
        { "PAGER", "programs run for you" },
        { "LESSOPEN", "programs run for you" },
        { "SSH_ASKPASS", "programs run for you" },
        { "XDG_CONFIG_HOME", "programs run for you" },
        // Proxy and TLS switches, any case.
        { "HTTP_PROXY", "proxy and TLS settings" },
        { "https_proxy", "proxy and TLS settings" },
        { "ALL_PROXY", "proxy and TLS settings" },
        { "Ftp_Proxy", "proxy and TLS settings" },
        { "no_proxy", "proxy and TLS settings" },
        { "SSL_CERT_FILE", "proxy and TLS settings" },
        { "SSL_CERT_DIR", "proxy and TLS settings" },
        { "REQUESTS_CA_BUNDLE", "proxy and TLS settings" },
        { "CURL_CA_BUNDLE", "proxy and TLS settings" },
        { "AWS_CA_BUNDLE", "proxy and TLS settings" },
        { "DENO_TLS_CA_STORE", "proxy and TLS settings" },
        { "MY_TOOL_TLS_REJECT_UNAUTHORIZED", "proxy and TLS settings" },
        { "GOINSECURE", "proxy and TLS settings" },
        // Package managers.
        { "npm_config_registry", "package manager settings" },
        { "NPM_CONFIG_SCRIPT_SHELL", "package manager settings" },
        { "PIP_INDEX_URL", "package manager settings" },
        { "YARN_REGISTRY", "package manager settings" },
        { "CARGO_HOME", "package manager settings" },
        { "GOFLAGS", "package manager settings" },
        { "GOPROXY", "package manager settings" },
        // Git redirection.
        { "GIT_DIR", "Git redirection" },
        { "GIT_WORK_TREE", "Git redirection" },
        { "GIT_CONFIG", "Git redirection" },
        { "GIT_CONFIG_GLOBAL", "Git redirection" },
        { "GIT_CONFIG_COUNT", "Git redirection" },
        { "GIT_CONFIG_KEY_0", "Git redirection" },
        { "GIT_EXEC_PATH", "Git redirection" },
        { "GIT_SSH", "Git redirection" },
        { "GIT_SSH_COMMAND", "Git redirection" },
        { "GIT_ASKPASS", "Git redirection" },
        { "GIT_SSL_NO_VERIFY", "proxy and TLS settings" },
        { "GIT_PROXY_COMMAND", "Git redirection" },
        { "GIT_EXTERNAL_DIFF", "Git redirection" },
        { "GIT_TEMPLATE_DIR", "Git redirection" },
        { "git_dir", "Git redirection" },
        // The service's own configuration and the cluster.
        { "Workspaces__DataDirectory", "the service's own configuration" },
        { "Workspaces__Repositories__AllowedNetworks__0", "the service's own configuration" },
        { "ConnectionStrings__Workspaces", "the service's own configuration" },
        { "Logging__LogLevel__Default", "the service's own configuration" },
        { "Kestrel__Endpoints__Http__Url", "the service's own configuration" },
        { "ASPNETCORE_URLS", "the service's own configuration" },
        { "ASPNETCORE_HOSTINGSTARTUPASSEMBLIES", "the service's own configuration" },
        { "DOTNET_ENVIRONMENT", "loader and runtime hooks" },
        { "KUBERNETES_SERVICE_HOST", "the service's own configuration" },
        { "WORKSPACES_TEST_POSTGRES", "the service's own configuration" },
        { "OTEL_EXPORTER_OTLP_ENDPOINT", "the service's own configuration" },
    };

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void Refusal_HostileName_RefusedNamingTheFamily(string name, string expected)
    {
        var error = VariableRules.Refusal(name, "x");

        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(HostileNames))]
    public void OpenLink_HostileName_RefusedWithAMessage(string name, string expected)
    {
        Assert.False(OpenLink.TryParse($"GREETING=hi,{name}=x/https://github.com/org/repo", out _, out _, out var error));
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("NODE_ENV", "production")]
    [InlineData("GREETING", "hello world")]
    [InlineData("API_URL", "https://api.example.com/v2")]
    [InlineData("DATABASE_URL", "postgres://db/app")]
    [InlineData("GIT_AUTHOR_NAME", "Grace Hopper")]
    [InlineData("PYTHONUNBUFFERED", "1")]
    [InlineData("FEATURE_FLAGS", "a=1;b=2")]
    [InlineData("GREETING", "héllo wörld — 你好 👋")]
    public void Refusal_OrdinaryVariable_Allowed(string name, string value) =>
        Assert.Null(VariableRules.Refusal(name, value));

    /// <summary>Characters that change how a value looks or where it ends (Trojan Source, CVE-2021-42574, and friends).</summary>
    public static TheoryData<string, string> SpoofingCharacters => new()
    {
        { "\u202E", "right-to-left override (Cf)" },
        { "\u202D", "left-to-right override (Cf)" },
        { "\u2066", "left-to-right isolate (Cf)" },
        { "\u2067", "right-to-left isolate (Cf)" },
        { "\u2069", "pop directional isolate (Cf)" },
        { "\u200B", "zero-width space (Cf)" },
        { "\u200D", "zero-width joiner (Cf)" },
        { "\u200E", "left-to-right mark (Cf)" },
        { "\uFEFF", "byte order mark (Cf)" },
        { "\u00AD", "soft hyphen (Cf)" },
        { "\u2060", "word joiner (Cf)" },
        { "\U000E0041", "tag latin capital A (Cf, astral)" },
        { "\u2028", "line separator (Zl)" },
        { "\u2029", "paragraph separator (Zp)" },
        { "\n", "line feed (Cc)" },
        { "\r", "carriage return (Cc)" },
        { "\u001b[31m", "escape sequence (Cc)" },
        { "\u0085", "next line (Cc)" },
        { "\0", "NUL (Cc)" },
    };

    [Theory]
    [InlineData(0xD800)]
    [InlineData(0xDBFF)]
    [InlineData(0xDC00)]
    public void Refusal_LoneSurrogateInValue_Refused(int codeUnit)
    {
        // Built here: xUnit would turn a lone surrogate in theory data into U+FFFD on its way to the test.
        var value = "a" + (char)codeUnit + "b";

        Assert.Contains("surrogate", VariableRules.Refusal("GREETING", value), StringComparison.Ordinal);
        Assert.False(OpenLink.TryParse($"GREETING={value}/https://github.com/org/repo", out _, out _, out _));
    }

    [Theory]
    [MemberData(nameof(SpoofingCharacters))]
    public void Refusal_SpoofingCharacterInValue_Refused(string character, string what)
    {
        var error = VariableRules.Refusal("GREETING", "safe" + character + "value");

        Assert.True(error is not null, $"{what} must be refused");
    }

    [Theory]
    [MemberData(nameof(SpoofingCharacters))]
    public void OpenLink_SpoofingCharacterInValue_RefusedWithAMessage(string character, string what)
    {
        Assert.False(OpenLink.TryParse($"GREETING=a{character}b/https://github.com/org/repo", out _, out _, out var error), what);
        Assert.Contains("GREETING", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("GREE\u202ETING")]
    [InlineData("GREETING\u200B")]
    [InlineData("ＧＲＥＥＴＩＮＧ")]
    [InlineData("GRÉETING")]
    [InlineData("1ABC")]
    [InlineData("A-B")]
    public void Refusal_NameOutsideAsciiIdentifiers_RefusedWithoutEchoingTheCharacters(string name)
    {
        var error = VariableRules.Refusal(name, "x");

        Assert.NotNull(error);
        Assert.Contains("not a valid variable name", error, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202E', error);
        Assert.DoesNotContain('\u200B', error);
    }

    [Fact]
    public void ValueRefusal_LineBreaksWhereAllowed_Accepted() =>
        Assert.Null(VariableRules.ValueRefusal("CERT", "-----BEGIN-----\r\nabc\tdef\n-----END-----\n", allowLineBreaks: true));

    [Fact]
    public void ValueRefusal_BidiOverrideWhereLineBreaksAllowed_StillRefused() =>
        Assert.NotNull(VariableRules.ValueRefusal("CERT", "abc\u202Edef", allowLineBreaks: true));

    [Fact]
    public void SetRefusal_MoreThanTheLimit_Refused()
    {
        var many = Enumerable.Range(0, VariableRules.MaxVariables + 1).Select(i => KeyValuePair.Create($"V{i}", "x"));

        Assert.Contains("at most 32", VariableRules.SetRefusal(many), StringComparison.Ordinal);
    }

    [Fact]
    public void SetRefusal_ExactlyTheLimit_Accepted() =>
        Assert.Null(VariableRules.SetRefusal(Enumerable.Range(0, VariableRules.MaxVariables).Select(i => KeyValuePair.Create($"V{i}", "x"))));

    [Fact]
    public void SetRefusal_TotalTooLarge_Refused()
    {
        var large = Enumerable.Range(0, 20).Select(i => KeyValuePair.Create($"V{i}", new string('x', VariableRules.MaxValueLength)));

        Assert.Contains("add up to", VariableRules.SetRefusal(large), StringComparison.Ordinal);
    }

    [Fact]
    public void Refusal_ValueTooLong_Refused() =>
        Assert.Contains("longer than 1024", VariableRules.Refusal("V", new string('x', VariableRules.MaxValueLength + 1)), StringComparison.Ordinal);

    [Fact]
    public void Refusal_NameTooLong_Refused() =>
        Assert.Contains("longer than 128", VariableRules.Refusal(new string('V', VariableRules.MaxNameLength + 1), "x"), StringComparison.Ordinal);

    [Fact]
    public void OpenLink_ThirtyThreeVariables_RefusedLikeTheApi()
    {
        var link = string.Join(',', Enumerable.Range(0, 33).Select(i => $"V{i}=x")) + "/https://github.com/org/repo";

        Assert.False(OpenLink.TryParse(link, out _, out _, out var error));
        Assert.Contains("at most 32", error, StringComparison.Ordinal);
    }
}
