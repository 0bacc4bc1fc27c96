"""Entry point for ``python -m octolens_mcp``."""

from octolens_mcp.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
