namespace Workspaces.Web.Tests.Infrastructure;

/// <summary>Repository contents several test classes share.</summary>
public static class TestRepositories
{
    /// <summary>A task whose command runs like a dev server and writes its pid to <c>command.pid</c> in the checkout.</summary>
    public const string LongRunningTask = """
        tasks:
          - name: server
            command: |
              echo serving
              echo $$ > command.pid
              exec sleep 300
        """;
}
