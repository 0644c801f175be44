"""The reports' reads: one module per topic, each a function from cleaned filters to a
`tables.Result` (the page, the API) and an `tables.Export` (the files)."""
