using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Workspaces.Data.Teams;

namespace Workspaces.Data.Projects;

internal sealed class ProjectConfiguration : IEntityTypeConfiguration<Project>
{
    public void Configure(EntityTypeBuilder<Project> builder)
    {
        builder.ToTable("Projects");
        builder.HasKey(p => p.Id);
        builder.Property(p => p.Id).HasMaxLength(FieldLengths.Id);
        builder.Property(p => p.TeamId).HasMaxLength(FieldLengths.Id);
        builder.Property(p => p.Name).HasMaxLength(FieldLengths.Name);
        builder.Property(p => p.RepositoryUrl).HasMaxLength(FieldLengths.Url);
        builder.Property(p => p.DefaultBranch).HasMaxLength(FieldLengths.GitRef);
        builder.Property(p => p.Image).HasMaxLength(FieldLengths.Url);
        builder.Property(p => p.WorkspaceClass).HasMaxLength(FieldLengths.Name);
        builder.HasIndex(p => p.TeamId);
        builder.HasOne<Team>().WithMany().HasForeignKey(p => p.TeamId).OnDelete(DeleteBehavior.Cascade);
    }
}

internal sealed class ProjectVariableConfiguration : IEntityTypeConfiguration<ProjectVariable>
{
    public void Configure(EntityTypeBuilder<ProjectVariable> builder)
    {
        builder.ToTable("ProjectVariables");
        builder.HasKey(v => v.Id);
        builder.Property(v => v.ProjectId).HasMaxLength(FieldLengths.Id);
        builder.Property(v => v.Name).HasMaxLength(FieldLengths.Name);
        builder.Property(v => v.Value).HasMaxLength(FieldLengths.Message);
        builder.Property(v => v.ProtectedValue).HasMaxLength(FieldLengths.ProtectedValue);
        builder.HasIndex(v => new { v.ProjectId, v.Name }).IsUnique();
        builder.HasOne<Project>().WithMany().HasForeignKey(v => v.ProjectId).OnDelete(DeleteBehavior.Cascade);
    }
}
