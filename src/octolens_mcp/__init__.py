"""octolens-mcp: the Octolens REST API v2 as Model Context Protocol tools."""

__version__ = "0.1.0"
