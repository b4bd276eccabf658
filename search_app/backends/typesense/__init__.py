"""The Typesense backend, read side: the store that answers searches from a Typesense cluster."""
