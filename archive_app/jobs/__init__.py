"""The task queue port: background processing of uploaded records."""
