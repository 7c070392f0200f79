"""One record's life after it is received: processing, reconciling what was read, review, its
sidecar, downloads, indexing and search results."""
