"""Hook implementations of the back office (always on)."""
