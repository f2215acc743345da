"""The notifier: relays the outbox into deliveries and sends signed webhooks with retries."""
