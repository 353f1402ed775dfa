using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workspaces.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class AddClusterAccessScaleToZero : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "ScaleToZeroOnStop",
                table: "ProjectClusterAccess",
                type: "boolean",
                nullable: false,
                defaultValue: false);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "ScaleToZeroOnStop",
                table: "ProjectClusterAccess");
        }
    }
}
