"""Sales pages of the staff panel, a module per topic: the sections of a customer's page,
orders, quotes, the line editor both use, and the documents' PDFs."""
