"""Readers: each turns one kind of input into rows of the events table (``dashboard.table``) and problems.

``yaml_events`` reads event files; ``sheets`` reads CSV and Parquet files into columns, which ``columns``
(the native layout, the keys of an event file) or ``acled`` (ACLED's export layout) map onto the table, with
dates read whole by ``iso_dates``. Readers import the table, the model and the date reading, never the store.
"""
