"""Checks `raystack plan` runs against the recorded resources."""
