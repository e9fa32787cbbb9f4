"""Code shared by the hw1_*.py scripts: one module per concern (see README)."""
