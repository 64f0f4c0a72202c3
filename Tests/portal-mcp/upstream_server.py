"""The upstream MCP server of the Portal's real-MCP tests: the official Python SDK's MCPServer
over stdio, with three tools. The Portal's policy allows `echo` and `search` only."""
from mcp.server.mcpserver import MCPServer

server = MCPServer("portal-test-upstream")


@server.tool()
def echo(text: str) -> str:
    """Return the text."""
    return text


@server.tool()
def search(query: str) -> str:
    """Pretend to search."""
    return f"results for {query}"


@server.tool()
def delete_file(path: str) -> str:
    """A tool the policy does not allow: the Portal must never forward a call to it."""
    raise RuntimeError(f"delete_file reached the upstream with {path}")


if __name__ == "__main__":
    server.run("stdio")
