"""What the archive, the OCR pipeline and the search engines all speak: places and polling
stations, numbers as people type them, text compared as people mean it, election codes and
form types. Standard library only and no I/O beyond reading config/vocabulary.toml, so the
OCR workers and the search adapters depend on it without pulling in the web application."""
