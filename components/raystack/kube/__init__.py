"""Helm values of the in-cluster add-ons and namespace labels. Pulumi-free."""
