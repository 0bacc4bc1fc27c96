# octolens-mcp as a container image.
#
#   stdio (the default; an MCP host starts it):  docker run -i --rm -e OCTOLENS_API_KEY octolens-mcp
#   demo data, no key:                           docker run -i --rm octolens-mcp --demo
#   HTTP team server at http://HOST:8000/mcp:    docker run --rm -p 8000:8000 -e OCTOLENS_TRANSPORT=http \
#                                                  -e OCTOLENS_ALLOWED_HOSTS=mcp.example.com octolens-mcp
#
# HTTP mode listens on every interface of the container (OCTOLENS_HOST below; stdio ignores it). It is
# chosen by OCTOLENS_TRANSPORT=http or the --transport flag: the HEALTHCHECK reads both (the flag from
# process 1's command line) and probes GET /healthz only then. export_mentions needs a writable
# OCTOLENS_EXPORT_DIR (mount a volume).
#
# Reproducible: the base image is pinned by tag and by the digest of its multi-architecture index (update
# both together), and every dependency is installed from requirements.lock, by exact version and hash.
# tests/test_entrypoint.py installs the way the build stage does and runs the result as uid 10001.

FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d AS build

ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
RUN python -m venv /opt/venv
COPY requirements.lock ./
RUN /opt/venv/bin/pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md LICENSE ./
COPY src ./src
RUN /opt/venv/bin/pip wheel --no-deps --wheel-dir /tmp/wheels . \
    && /opt/venv/bin/pip install --no-deps /tmp/wheels/octolens_mcp-*.whl


FROM python:3.11.14-slim-bookworm@sha256:65a93d69fa75478d554f4ad27c85c1e69fa184956261b4301ebaf6dbb0a3543d

LABEL io.modelcontextprotocol.server.name="io.github.octolens-mcp/octolens-mcp" \
      org.opencontainers.image.source="https://github.com/octolens-mcp/octolens-mcp" \
      org.opencontainers.image.title="octolens-mcp" \
      org.opencontainers.image.description="MCP server that gives AI agents the whole Octolens REST API v2 as typed tools" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.version="0.1.0"

# A numeric user with no home and no login: nothing in the image is writable by the server.
RUN groupadd --gid 10001 octolens \
    && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin --no-log-init octolens
COPY --from=build /opt/venv /opt/venv

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    OCTOLENS_HOST=0.0.0.0
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/opt/venv/bin/python", "-m", "octolens_mcp.healthcheck"]
ENTRYPOINT ["octolens-mcp"]
