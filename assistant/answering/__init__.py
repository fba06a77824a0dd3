"""Answering: the chain that routes a question, the composer, the optional LLM, and the guard
every answer passes."""
