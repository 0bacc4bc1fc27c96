"""Setting up: ``install`` writes a host's configuration, ``doctor`` finds what keeps a host from starting it."""
