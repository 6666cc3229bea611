"""Plain types, enumerations and rules. No database, no Qt."""
