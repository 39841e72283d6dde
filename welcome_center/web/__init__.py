"""The adviser web page (issue 7): `welcome-center serve` runs `create_app()` on 127.0.0.1."""
