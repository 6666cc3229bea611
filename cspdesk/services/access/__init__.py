"""Who may do what: sign-in, accounts, keys, need-to-know (reach) and setting up from a file."""
