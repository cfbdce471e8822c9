"""The Starlette app: routing on raw paths, handlers, problem+json, middleware."""
