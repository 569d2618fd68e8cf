"""Accounts, roles, permissions and electronic signatures."""
