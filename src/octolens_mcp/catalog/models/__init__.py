"""Pydantic models of every Octolens request and response shape, one module per resource.

Input models are strict (unknown keys are refused, as the API does); response models accept
fields the API may add later, so a new field never fails a call.
"""
