"""The Whoosh backend, write side: the schema, the write lock, the writer, and the Whoosh internals they need."""
