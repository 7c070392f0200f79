"""Receiving scans: single uploads, batches, resumable uploads, ZIPs, the hot folder and
manifests."""
