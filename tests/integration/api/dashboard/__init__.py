"""The dashboard: its data routes, its command, and the page in headless Chromium."""
