"""The web app: the built-in chat room, the live view, the host dashboard and readers' pages."""
