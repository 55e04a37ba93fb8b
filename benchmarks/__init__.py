"""Every ``make bench-*`` program (ingest, store, embed, hybrid, ui), outside the product
packages: they import the product, and nothing in the product imports them."""
