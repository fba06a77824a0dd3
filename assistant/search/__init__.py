"""Search: hybrid retrieval (BM25 and vectors, with doc2query question vectors) over the index."""
