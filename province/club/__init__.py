"""The national customer club in a province (R11.1): the rules HQ publishes, enrolment of
eligible customers, club activities, benefit usage within yearly allowances, and service
of members from other provinces through HQ's directory (docs/club.md)."""
