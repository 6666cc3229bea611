"""Referral intake: the form per panel type, the DASH grid, people matching, importing."""
