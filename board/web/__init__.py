"""The web service: Flask app factory, one blueprint per feature, Socket.IO namespaces."""

from lapgate.board.web.app import create_app, socketio_of

__all__ = ["create_app", "socketio_of"]
