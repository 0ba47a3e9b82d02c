"""Delivery: the path of one claimed letter to IMPRIM'FIP and into done/ or error/."""
