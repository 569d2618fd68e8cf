"""Administration plans: the nurse's care plan and the record of what was given."""
