"""Attacker's scripts: each does one thing an adversary with sqlite3 (or a shell) and
bwv-review's source could do to a case file or its footage. They import nothing from
bwv_review; tests/hardening/test_trust_attacks.py runs each in its own process and checks
that bwv-review refuses or reports it, changes nothing, and never hangs."""
