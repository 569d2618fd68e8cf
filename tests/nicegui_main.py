"""Main file for NiceGUI's `user` fixture: the app's pages on the store the test installed."""

from nicegui import ui

from chemo_fallback.web.app import register_pages

register_pages()
ui.run(storage_secret="test secret", language="fr")
