"""What users write: spec types (``types``: documented TypedDicts and enums) and their coercion (``coerce``). Pulumi-free."""
