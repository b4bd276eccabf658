"""The Typesense backend, write side: the client and its config, the collection layout, the writer, and a
local cluster on loopback for trying it out and for tests."""
