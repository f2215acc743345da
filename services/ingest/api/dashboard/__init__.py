"""The dashboard: a static page at /dashboard and the read-only series, breakdown and
endpoint-health routes it draws from (issue 9)."""
