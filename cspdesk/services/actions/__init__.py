"""Actions and their updates: the tracker's rules."""
