using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workspaces.Data.Projects;

namespace Workspaces.Data.ClusterAccess;

/// <summary>A project's cluster access: whether its workspaces get a development namespace, named how, with which Role.</summary>
public sealed class ProjectClusterAccess
{
    public required string ProjectId { get; set; }

    public bool Enabled { get; set; }

    /// <summary>The namespace name with <c>{workspace}</c> in it, such as <c>dev-{workspace}</c>.</summary>
    public required string NamespacePattern { get; set; }

    /// <summary>The Role's rules as JSON; null: the administrator's ceiling (the built-in <c>edit</c> role's rules by default).</summary>
    public string? RulesJson { get; set; }

    /// <summary>Scale the Deployments of a workspace's namespace to zero when it stops, and back when it starts.</summary>
    public bool ScaleToZeroOnStop { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

internal sealed class ProjectClusterAccessConfiguration : IEntityTypeConfiguration<ProjectClusterAccess>
{
    /// <summary>About 50 rules of a few dozen resources each.</summary>
    public const int MaxRulesJsonLength = 32_768;

    public void Configure(EntityTypeBuilder<ProjectClusterAccess> builder)
    {
        builder.ToTable("ProjectClusterAccess");
        builder.HasKey(a => a.ProjectId);
        builder.Property(a => a.ProjectId).HasMaxLength(FieldLengths.Id);
        builder.Property(a => a.NamespacePattern).HasMaxLength(FieldLengths.Name);
        builder.Property(a => a.RulesJson).HasMaxLength(MaxRulesJsonLength);
        builder.HasOne<Project>().WithOne().HasForeignKey<ProjectClusterAccess>(a => a.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
