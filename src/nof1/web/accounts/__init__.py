"""Accounts: people, their one role, invitations, two-factor sign-in and session limits."""
