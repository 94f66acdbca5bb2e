"""Validation rules as pure functions appending ``Finding``s (cloud-neutral; EKS rules are in
``clouds.aws.rules``). ``model.resolve`` runs them. Pulumi-free."""
