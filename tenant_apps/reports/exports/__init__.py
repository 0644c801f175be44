"""A report's exports: CSV and XLSX writers (writers.py), the start/run/clean-up services
(services.py, whose docstring lists what the pages and the API call), the HTTP responses
(http.py) and the reads of the queued exports (selectors.py)."""
