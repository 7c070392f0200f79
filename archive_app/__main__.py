"""`python -m archive_app` runs the `archive` command."""

from archive_app.cli import main

if __name__ == "__main__":
    main()
