using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workspaces.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class AddProjectClusterAccess : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "ProjectClusterAccess",
                columns: table => new
                {
                    ProjectId = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    NamespacePattern = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    RulesJson = table.Column<string>(type: "TEXT", maxLength: 32768, nullable: true),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_ProjectClusterAccess", x => x.ProjectId);
                    table.ForeignKey(
                        name: "FK_ProjectClusterAccess_Projects_ProjectId",
                        column: x => x.ProjectId,
                        principalTable: "Projects",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "ProjectClusterAccess");
        }
    }
}
