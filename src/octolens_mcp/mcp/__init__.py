"""The MCP layer: the server on the SDK's public low-level API, the call path and the results an agent reads."""
