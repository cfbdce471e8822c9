"""The in-memory state machine. Knows nothing of HTTP, YAML, Starlette or httpx."""
