"""The audit trail: entries, their hash chain, signing keys and seals, verification, plain-words text."""
