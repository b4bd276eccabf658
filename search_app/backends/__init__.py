"""The read side of each backend: search_app.store.make_store picks one for an index Target."""
