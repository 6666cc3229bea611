"""Orders, disclosures and transfers on a MARAC case (issue 19, part B).

- :mod:`.orders` — protective orders (with the reminder before expiry) and DVDS (Clare's Law)
  requests (with the 28-day clock);
- :mod:`.transfers` — MARAC-to-MARAC transfers: the pack out, the pack in, the transfer records and
  the return's counts.
"""
