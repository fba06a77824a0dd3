"""The index: embedding (torch at ingest, ONNX for questions), the Chroma store, ingest and the
vector copies it writes."""
