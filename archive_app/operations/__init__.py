"""Keeping the archive running: sweeping lost work, worker processes, the web server, doctor
and transfer to other backends."""
