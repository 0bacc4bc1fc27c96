"""The catalog: every Octolens operation declared once (``inventory``), with its models and runners.

This package's ``__init__`` imports nothing, so the toolsets can be read at start-up without the models.
"""
