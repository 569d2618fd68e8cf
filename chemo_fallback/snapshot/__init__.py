"""Reading, checking and activating production-database snapshots."""
