"""Test integrations: in-process transports, a live server, the pytest plugin."""
