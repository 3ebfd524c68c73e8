"""One blueprint per file; the `visits` and `notes` blueprints are the session routes."""
