"""The stock pages of the staff panel (mounted at /stock/): a module per topic.

Thin, as the API's views: reads are selectors, writes the services, cleaned by the same
`inputs`. Every page is module "@stock" (off: 404) and resource "stock" of the matrix.
"""
