"""PDF, CSV and XLSX builders fed by plain report data (the printing work fills this in)."""
