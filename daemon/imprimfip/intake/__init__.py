"""Intake: notice files in the inboxes, decide when they are ready, claim them."""
