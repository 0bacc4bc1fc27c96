# octolens-mcp over stdio: docker run -i --rm -e OCTOLENS_API_KEY octolens-mcp   (or: ... octolens-mcp --demo)
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install . && useradd --create-home --uid 10001 mcp
USER mcp

ENTRYPOINT ["octolens-mcp"]
