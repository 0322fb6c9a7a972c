"""Thin edges between chat platforms and the core: they convert, they hold no protocol knowledge."""
