"""The Whoosh backend, read side: the store, matching and ranking, posting arrays, the per-version
document table, query compilation, our own matchers, and the Whoosh internals they need."""
