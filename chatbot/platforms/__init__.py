"""Platform adapters: each turns one platform into the small ``Platform`` protocol."""
