"""Papers out: case summaries, agendas and minutes, action trackers, data returns, subject access."""
