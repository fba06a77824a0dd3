"""Presentation: how figures and tool results read, in the chat, the CLI and the exports."""
