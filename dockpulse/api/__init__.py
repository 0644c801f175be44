"""API plumbing shared by every app's api.py: errors, JWT, permissions, pagination."""
