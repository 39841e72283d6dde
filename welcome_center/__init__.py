"""Composition root of welcome-center: settings, CLI and web; wires the rings, owns no rule."""
