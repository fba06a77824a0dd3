"""Understanding a conversation: places, numbers, intents and dialogue acts (data-driven)."""
