"""Provider webhooks: one module per provider (see base.py for what each exposes)."""
