"""Records in: reading spreadsheets and importing referral logs (with history) and action plans."""
