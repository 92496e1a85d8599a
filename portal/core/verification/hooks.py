"""Hook implementations of the verification module (always on)."""
