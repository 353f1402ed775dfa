using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workspaces.Data.Migrations.Postgres
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
                    ProjectId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    NamespacePattern = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    RulesJson = table.Column<string>(type: "character varying(32768)", maxLength: 32768, nullable: true),
                    UpdatedAt = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
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
