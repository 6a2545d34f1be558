"""Dated event records in YAML, browsed as an interactive timeline with linked cards, a map and exports."""
