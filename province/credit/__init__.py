"""Customer credit: grades, limits, arrears policy, temporary credit (R2.3)."""
