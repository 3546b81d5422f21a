"""Microsoft Graph (education) connector: app-only reads into platform-neutral records."""

from connector.graph.auth import GRAPH_PERMISSIONS, GRAPH_SCOPE, build_credential
from connector.graph.pages import GraphError
from connector.graph.source import GraphClassSource

__all__ = ["GRAPH_PERMISSIONS", "GRAPH_SCOPE", "GraphClassSource", "GraphError",
           "build_credential"]
