"""Products a province sells (R7.1, minimal for now): what customers subscribe to."""
