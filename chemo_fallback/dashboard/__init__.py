"""The crisis dashboard: the day of the unit at a glance, for every role, and its printed
status report for the crisis cell."""
