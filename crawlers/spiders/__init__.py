"""Spiders: one module per page-template family, each driven by the site registry."""
