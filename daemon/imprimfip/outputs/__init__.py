"""Outputs: moves to done/ and error/, receipts, French notes for staff."""
