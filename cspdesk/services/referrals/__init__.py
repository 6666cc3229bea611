"""Referrals and cases: the referral form's rules, repeats, the case list and view, OCGs."""
