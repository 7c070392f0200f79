"""Records management: retention, legal holds, disposition (destroy or transfer), fixity, BagIt
packages and the official reports."""
