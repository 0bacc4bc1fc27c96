"""The HTTP layer: one client to the Octolens API, knowing nothing of MCP or of the catalog."""
