"""The resolved model: ``resolve.resolve(raw) -> platform.Platform``, findings, defaults. Pulumi-free."""
