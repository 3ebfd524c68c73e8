"""Media uploads (services/app/src/media): what a file is, and the object store it goes to."""
